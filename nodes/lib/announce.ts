import type { AnnouncementMemory } from './memory';
import type { Operation } from './wnm/standard';

/**
 * What to announce for a file, from what was announced before: the same file with the same
 * fingerprint is a duplicate and is not announced again; a new fingerprint is an update;
 * a file never seen is announced as the producer says. Files whose notification is on its
 * way but not yet queued durably count as announced too, so that two copies of an event
 * processed at once are not both announced.
 */
export type Decision = Operation | 'duplicate';

export class Announcements {
  private readonly pending = new Map<string, { fingerprint: string; at: number }>();

  constructor(
    private readonly memory: AnnouncementMemory | undefined,
    private readonly pendingTtlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  decide(dataId: string, fingerprint: string, requested: Operation): Decision {
    const t = this.now();
    if (this.pending.size > 1000) {
      for (const [key, p] of this.pending) if (t - p.at > this.pendingTtlMs) this.pending.delete(key);
    }
    if (requested === 'deletion') return 'deletion';
    const inFlight = this.pending.get(dataId);
    const known = inFlight && t - inFlight.at <= this.pendingTtlMs ? inFlight : this.memory?.get(dataId);
    let decision: Decision = requested;
    if (known) decision = known.fingerprint === fingerprint ? 'duplicate' : 'update';
    if (decision !== 'duplicate') this.pending.set(dataId, { fingerprint, at: t });
    return decision;
  }

  /** The notification is queued durably: remember it for good. */
  confirm(dataId: string, fingerprint: string, operation: Operation): void {
    this.pending.delete(dataId);
    if (operation === 'deletion') this.memory?.delete(dataId);
    else this.memory?.set(dataId, fingerprint);
  }

  /** The notification was refused downstream: the file is not announced. */
  release(dataId: string): void {
    this.pending.delete(dataId);
  }
}
