/**
 * Small numeric and printing helpers shared by the benchmark's parts.
 */

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array: the value at or below which `q` of them fall. */
function rank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: rank(sorted, 0.5),
    p95: rank(sorted, 0.95),
    p99: rank(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
  };
}

/**
 * The middle value, or the mean of the two middle values of an even count: the median every
 * part prints is the one its goals are computed from (the metrics part keeps 8 rounds a side).
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] ?? NaN;
  return ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Whole numbers with thousands separators: rates and counts. */
export function fmt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

/** Milliseconds with one decimal: latencies. */
export function ms(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : '-';
}

export function ratio(n: number | undefined): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(2) : '-';
}

/**
 * A plain-text table: the first column left-aligned (labels), the others right-aligned (figures),
 * so columns of numbers line up when read in a terminal or a CI log.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    indent +
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = indent + widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export interface Goal {
  name: string;
  /** the measured figure the goal is about, as printed */
  value: number;
  target: string;
  met: boolean;
}

export function goalLine(g: Goal): string {
  return `  ${g.met ? 'met    ' : 'NOT met'}  ${g.name}: ${g.value.toFixed(2)} (goal ${g.target})`;
}

/** A whole number of at least `least` from the environment, or the default when unset; anything else is refused. */
export function envCount(name: string, fallback: number, least = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < least) throw new Error(`${name} must be a whole number of at least ${least}, got "${raw}"`);
  return n;
}
