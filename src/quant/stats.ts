/** Arithmetic mean. Callers guarantee a non-empty input. */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Sample standard deviation (divisor n - 1). Callers guarantee n >= 2. */
export function sampleStdev(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Pearson correlation, beta of `x` on `y`, or null parts when a variance is zero. n >= 2. */
export function pairStats(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): { correlation: number | null; beta: number | null } {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Divisors (n - 1) cancel in both ratios.
  const correlation = sxx > 0 && syy > 0 ? clamp(sxy / Math.sqrt(sxx * syy), -1, 1) : null;
  const beta = syy > 0 ? sxy / syy : null;
  return { correlation, beta };
}

/** `x` limited to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}
