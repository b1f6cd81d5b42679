/**
 * "Did you mean": ranks known values by closeness to a mistyped one. Topic levels are short
 * dash-separated words, so two signals are combined: edit distance catches typos
 * (`orgin`, `drifting-ocean-profiler`), shared words catch missing or extra words
 * (`ocean-profilers` for `drifting-ocean-profilers`, `ifremer-argo` for `fr-ifremer-argo`).
 */

let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let rowC = new Int32Array(64);

/** Optimal string alignment distance: Levenshtein plus transposition of adjacent characters. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  if (rowA.length <= n) {
    rowA = new Int32Array(n + 1);
    rowB = new Int32Array(n + 1);
    rowC = new Int32Array(n + 1);
  }
  // Three rolling rows (a transposition looks two rows back), reused between calls.
  let before = rowA;
  let previous = rowB;
  let current = rowC;
  for (let j = 0; j <= n; j++) previous[j] = j;
  for (let i = 1; i <= m; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    const caBefore = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      let best = previous[j - 1] + (ca === cb ? 0 : 1);
      const deletion = previous[j] + 1;
      if (deletion < best) best = deletion;
      const insertion = current[j - 1] + 1;
      if (insertion < best) best = insertion;
      if (j > 1 && ca === b.charCodeAt(j - 2) && caBefore === cb) {
        const transposition = before[j - 2] + 1;
        if (transposition < best) best = transposition;
      }
      current[j] = best;
    }
    const spare = before;
    before = previous;
    previous = current;
    current = spare;
  }
  return previous[n];
}

function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const shorter = Math.min(a.length, b.length);
  if (shorter >= 4 && Math.abs(a.length - b.length) <= 1 && editDistance(a, b) <= 1) return 0.8;
  if (shorter >= 3 && (a.startsWith(b) || b.startsWith(a))) return 0.6;
  return 0;
}

/** Closeness of `input` to `candidate` in [0, 1]; 1 only when they are equal. */
export function similarity(input: string, candidate: string): number {
  if (input === candidate) return 1;
  const spelling = 1 - editDistance(input, candidate) / Math.max(input.length, candidate.length);
  const mine = input.split('-').filter((w) => w !== '');
  const theirs = candidate.split('-').filter((w) => w !== '');
  if (mine.length === 0 || theirs.length === 0) return spelling;
  let matched = 0;
  for (const word of mine) matched += Math.max(...theirs.map((t) => wordSimilarity(word, t)));
  let words = matched / Math.max(mine.length, theirs.length);
  // One is the other with words left out (`ocean-profilers`, `uk-metoffice-nmc` for `uk-metoffice`).
  if (mine.every((w) => w.length >= 2 && theirs.includes(w))) {
    words = Math.max(words, 0.5 + (0.5 * mine.length) / theirs.length);
  }
  if (theirs.every((w) => w.length >= 2 && mine.includes(w))) {
    words = Math.max(words, 0.5 + (0.5 * theirs.length) / mine.length);
  }
  return Math.min(Math.max(spelling, words), 0.99);
}

/** Below this, a candidate is too far to be worth proposing. */
const THRESHOLD = 0.5;
/** Candidates much worse than the best one are noise beside it. */
const SPREAD = 0.15;
/**
 * Known levels are at most about 40 characters; a much longer input is no typo of one, and
 * comparing it costs time proportional to its length times every candidate's.
 */
export const MAX_SUGGEST_LENGTH = 128;

/**
 * The known values closest to `input`, best first, at most `limit` of them; empty when none
 * is close enough to be a plausible intent.
 */
export function nearest(input: string, candidates: Iterable<string>, limit = 3): string[] {
  if (input.length > MAX_SUGGEST_LENGTH) return [];
  const scored: { value: string; score: number; distance: number }[] = [];
  for (const value of new Set(candidates)) {
    if (value === input) continue;
    const score = similarity(input, value);
    if (score >= THRESHOLD) scored.push({ value, score, distance: editDistance(input, value) });
  }
  scored.sort((x, y) => y.score - x.score || x.distance - y.distance || (x.value < y.value ? -1 : 1));
  const best = scored[0]?.score ?? 0;
  return scored.filter((s) => s.score >= best - SPREAD).slice(0, limit).map((s) => s.value);
}

/** `did you mean "a"?` / `did you mean "a" or "b"?` */
export function didYouMean(values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  const quoted = values.map((v) => `"${v}"`);
  const last = quoted.pop() ?? '';
  return `did you mean ${quoted.length > 0 ? `${quoted.join(', ')} or ${last}` : last}?`;
}
