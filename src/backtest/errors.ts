import { AppError } from '../internal/errors.js';

/**
 * A strategy asked for a bar that had not closed at the time of its decision. Always a bug in
 * the strategy: a live run could never have seen that bar.
 */
export class LookAheadError extends AppError {
  readonly code = 'LOOK_AHEAD';
  // A strategy is server code: reaching a client means a server bug, not a bad request.
  readonly status = 500;
  readonly title = 'Strategy read a bar that had not closed';
}
