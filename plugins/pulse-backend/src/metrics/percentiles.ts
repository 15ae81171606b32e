/**
 * Percentiles for delivery metrics, by the nearest-rank method: the p-th percentile of n
 * values is the smallest value with at least p% of the values at or below it (rank
 * ⌈p/100 × n⌉ in ascending order). It is always one of the measured values, never an
 * interpolation between two, so "p90 lead time: 3 days" names a change that took 3 days.
 * Pulse reports percentiles, never averages: one slow change does not move the median.
 */
export function percentile(
  values: readonly number[],
  p: number,
): number | null {
  if (!(p > 0 && p <= 100)) {
    throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  }
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}
