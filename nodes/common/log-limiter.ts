/**
 * Log lines that never go silent and never flood: the first occurrence of each kind (its key,
 * e.g. a warning code) is logged at once; further ones of that kind within the interval are
 * counted and summed up in one line when it ends. At thousands of messages a second, a malformed
 * field that every event repeats costs one log line per kind per interval.
 */
export class LogLimiter {
  private readonly pending = new Map<string, { count: number; last: string }>();
  private readonly quietUntil = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: (text: string) => void,
    /** how a summary line reads: `count` more of this kind, the last of them being `last` */
    private readonly summary: (count: number, last: string) => string,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  report(key: string, text: string): void {
    const t = this.now();
    const until = this.quietUntil.get(key);
    if (until === undefined || t >= until) {
      this.quietUntil.set(key, t + this.intervalMs);
      const held = this.pending.get(key);
      this.pending.delete(key);
      // what was held back comes out first, summed up with this one
      this.log(held ? this.summary(held.count + 1, text) : text);
      return;
    }
    const p = this.pending.get(key);
    if (p) {
      p.count++;
      p.last = text;
    } else {
      this.pending.set(key, { count: 1, last: text });
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, Math.max(0, until - t));
  }

  /** Logs the summaries of what was held back (also on close, so nothing is left unsaid). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const t = this.now();
    for (const [key, p] of this.pending) {
      this.quietUntil.set(key, t + this.intervalMs);
      this.log(this.summary(p.count, p.last));
    }
    this.pending.clear();
  }
}
