/** Delay before the first retry, in ms; doubles with each further retry. */
export const RPC_BASE_DELAY_MS = 250;
/** Upper bound of one backoff delay, in ms. */
export const RPC_MAX_DELAY_MS = 8_000;

/**
 * Exponential backoff with "equal jitter": half of the capped exponential delay is fixed, the
 * other half random, so retries of many concurrent requests spread out instead of arriving
 * together, and no delay collapses to ~0.
 * @param attempt 0 for the first retry.
 * @param random a uniform [0, 1) source (injectable for deterministic tests).
 * @example backoffDelayMs(0, () => 0.5) // 188 (250 ms × 0.75)
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const capped = Math.min(RPC_MAX_DELAY_MS, RPC_BASE_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(capped / 2 + (random() * capped) / 2);
}
