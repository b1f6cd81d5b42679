/**
 * What a conformance test finds, collected the same way by every test suite of ours. The WNM
 * suite writes it out in pywis-pubsub's report shape and the WCMP2 suite in pywcmp's, so that
 * each report can be compared line by line with the reference tool's.
 */
import fs from 'node:fs';
import path from 'node:path';

/** How a test ends, in the words of both reference tools. */
export type TestCode = 'PASSED' | 'FAILED' | 'WARNING' | 'SKIPPED';

/** How many tests ended each way; the key order is the reports' own. */
export interface Summary {
  PASSED: number;
  FAILED: number;
  WARNING: number;
  SKIPPED: number;
}

/** An error fails its test; a warning (a recommendation not followed) does not. */
export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** JSON Pointer (RFC 6901) of the member at fault; '' for the whole document. */
  path: string;
  message: string;
  /** Stable machine-readable code, when the suite gives one (`links.channel_topic`). */
  id?: string;
  /** The rule broken, relative to the standard's base URI (`/req/core/links E`). */
  rule?: string;
}

export interface FindingsOptions {
  /** How many findings to keep: a hostile document must not make the report as large as itself. */
  keep?: number;
  /** The severity of what `add` records when the caller does not say. */
  severity?: Severity;
}

/** Collects what one test finds, keeping the first `keep` findings and counting them all. */
export class Findings {
  // Allocated on the first finding: most tests of most documents find nothing.
  private kept: Finding[] | undefined;
  private errorCount = 0;
  private warningCount = 0;
  private readonly keep: number;
  private readonly severity: Severity;
  /** Why the test did not apply, when it did not. */
  skipped: string | undefined;

  constructor(options?: FindingsOptions) {
    this.keep = options?.keep ?? Infinity;
    this.severity = options?.severity ?? 'error';
  }

  add(path: string, message: string, detail?: { severity?: Severity; id?: string; rule?: string }): void {
    const severity = detail?.severity ?? this.severity;
    if (severity === 'error') this.errorCount++;
    else this.warningCount++;
    const kept = (this.kept ??= []);
    if (kept.length >= this.keep) return;
    const finding: Finding = { severity, path, message };
    if (detail?.id !== undefined) finding.id = detail.id;
    if (detail?.rule !== undefined) finding.rule = detail.rule;
    kept.push(finding);
  }

  skip(reason: string): void {
    this.skipped = reason;
  }

  /** Forgets everything collected; the arrays already handed out stay with their owner. */
  reset(): void {
    this.kept = undefined;
    this.errorCount = 0;
    this.warningCount = 0;
    this.skipped = undefined;
  }

  /** How many findings were added, of one severity or of both, kept or not. */
  count(severity?: Severity): number {
    if (severity === 'error') return this.errorCount;
    if (severity === 'warning') return this.warningCount;
    return this.errorCount + this.warningCount;
  }

  get empty(): boolean {
    return this.count() === 0;
  }

  /** The findings kept, in the order found, of one severity or of both. */
  list(severity?: Severity): readonly Finding[] {
    const kept = this.kept ?? [];
    return severity === undefined ? kept : kept.filter((f) => f.severity === severity);
  }

  first(severity?: Severity): Finding | undefined {
    return severity === undefined ? this.kept?.[0] : this.kept?.find((f) => f.severity === severity);
  }

  /** FAILED on an error, else WARNING on a warning, else SKIPPED when skipped, else PASSED. */
  code(): TestCode {
    if (this.errorCount > 0) return 'FAILED';
    if (this.warningCount > 0) return 'WARNING';
    return this.skipped === undefined ? 'PASSED' : 'SKIPPED';
  }
}

/** Counts the tests of a report by how they ended. */
export function summarise(codes: Iterable<TestCode>): Summary {
  const summary: Summary = { PASSED: 0, FAILED: 0, WARNING: 0, SKIPPED: 0 };
  for (const code of codes) summary[code]++;
  return summary;
}

let stampSecond = NaN;
let stampText = '';

/** UTC to the second, as both reference tools write it; formatted once per second at most. */
export function reportTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = new Date(second * 1000).toISOString().slice(0, 19) + 'Z';
  }
  return stampText;
}

/** Our package name, which every report names as its maker. */
export const PACKAGE_NAME = 'node-red-contrib-wis2';

/** `<name> <version>` of this package, read once from the nearest package.json of ours. */
export const GENERATED_BY: string = (() => {
  try {
    let dir = __dirname;
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return `${PACKAGE_NAME} ${pkg.version}`;
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // An unreadable package.json must not stop validation; the version is only informative.
  }
  return `${PACKAGE_NAME} (unknown version)`;
})();
