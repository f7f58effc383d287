/** Median with min/max: every figure the benchmarks print is one of these. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function figure(samples: number[]): Figure {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, runs: sorted.length };
}

export const fmtMs = (f: Figure) => `${f.median.toFixed(0)} ms (${f.min.toFixed(0)}–${f.max.toFixed(0)})`;
