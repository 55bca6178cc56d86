/** Durable background jobs: a store over the database and an in-process runner. */
export {
  BACKTEST_JOB,
  type BacktestJobResult,
  type BacktestSpec,
  type BacktestStrategySpec,
  backtestJobHandler,
  MAX_BACKTEST_BARS,
  warmupOf,
} from './backtestJob.js';
export {
  type JobContext,
  type JobHandler,
  type JobRunner,
  type JobRunnerOptions,
  JobStoppedError,
  startJobRunner,
} from './jobRunner.js';
export {
  createJobStore,
  JOB_QUEUED_TOPIC,
  JOB_UPDATED_TOPIC,
  type Job,
  type JobError,
  type JobStatus,
  type JobStore,
  type JobUpdate,
  TERMINAL_STATUSES,
} from './jobStore.js';
