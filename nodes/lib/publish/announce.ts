import type { AnnouncementMemory } from '../reliability/memory';
import type { Operation } from '../wnm';

/**
 * What to announce for a file, from what was announced before: the same file with the same
 * fingerprint is a duplicate and is not announced again; a new fingerprint is an update;
 * a file never seen is announced as the producer says. Files whose notification is on its
 * way but not yet queued durably count as announced too, so that two copies of an event
 * processed at once are not both announced.
 */
export type Decision = Operation | 'duplicate';

interface Pending {
  fingerprint: string;
  at: number;
  /** what another message had on its way for the same file, restored if this one is released */
  previous?: Pending;
}

export class Announcements {
  private readonly pending = new Map<string, Pending>();

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
    if (decision !== 'duplicate') {
      const entry: Pending = { fingerprint, at: t };
      // one level is enough: the claim before that one has settled or expired in practice
      if (inFlight && inFlight === known) entry.previous = { fingerprint: inFlight.fingerprint, at: inFlight.at };
      this.pending.set(dataId, entry);
    }
    return decision;
  }

  /**
   * The notification is still on its way (its file is being checked before publishing): its
   * claim is renewed, so that a copy of the event arriving meanwhile stays a duplicate.
   */
  renew(dataId: string, fingerprint: string): void {
    const entry = this.pending.get(dataId);
    if (entry?.fingerprint === fingerprint) entry.at = this.now();
  }

  /** Whether the file was announced and not deleted since (as far as the memory reaches). */
  known(dataId: string): boolean {
    // without reading the fingerprint, which a memory may keep on disk only
    return this.memory?.has(dataId) ?? false;
  }

  /** What was announced for a file, or is on its way: its fingerprint. Claims nothing. */
  peek(dataId: string): string | undefined {
    const inFlight = this.pending.get(dataId);
    if (inFlight && this.now() - inFlight.at <= this.pendingTtlMs) return inFlight.fingerprint;
    return this.memory?.get(dataId)?.fingerprint;
  }

  /** The notification is queued durably: remember it for good. */
  confirm(dataId: string, fingerprint: string, operation: Operation): void {
    this.pending.delete(dataId);
    if (operation === 'deletion') this.memory?.delete(dataId);
    else this.memory?.set(dataId, fingerprint);
  }

  /**
   * A notification remembered on `confirm` was refused by the broker after all (an MQTT 5
   * reason code): the file was not announced, so the next event for it is announced again,
   * unless something newer for the file has been remembered meanwhile.
   */
  withdraw(dataId: string, fingerprint: string): void {
    if (this.memory?.get(dataId)?.fingerprint === fingerprint) this.memory.delete(dataId);
  }

  /**
   * The notification was refused: the file is not announced. With its fingerprint, only that
   * notification's claim is withdrawn, and one another message had on its way comes back.
   */
  release(dataId: string, fingerprint?: string): void {
    const entry = this.pending.get(dataId);
    if (!entry || (fingerprint !== undefined && entry.fingerprint !== fingerprint)) return;
    if (entry.previous && this.now() - entry.previous.at <= this.pendingTtlMs) this.pending.set(dataId, entry.previous);
    else this.pending.delete(dataId);
  }
}
