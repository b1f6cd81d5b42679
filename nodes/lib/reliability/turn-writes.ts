/**
 * Durable writes gathered over one turn of the event loop and written at its end, one write
 * per file for the whole turn instead of one per event (group commit).
 *
 * What makes the wait safe: nothing a turn does is seen outside the process before its end.
 * The broker connections are corked until then (see BrokerController), and they call `flush`
 * before they uncork, so every PUBACK and every notification leaves after what it depends on
 * is on disk; a process killed before that has told nobody anything.
 *
 * What keeps a kill *during* the flush safe: the files are written in the order of their
 * rank, and every dependency between them runs from a lower rank to a higher one. An event is
 * in the inbox before its notification is in the outbox, and the notification is in the outbox
 * before the announcement memory says its file was announced. A write that is not deferred
 * (the acknowledgements, which say an entry's work is done) flushes everything deferred before
 * it, so it always comes after what it acknowledges.
 */
export interface DeferredWriter {
  /** the order among writers at a flush: lower first */
  readonly rank: number;
  /** writes what it deferred; false when a write failed (it keeps the rest, and said why) */
  writeDeferred(): boolean;
}

/** The ranks of the runtime's files: see the dependencies above. */
export const RANK = { inbox: 0, outbox: 1, memory: 2 } as const;

export class TurnWrites {
  private readonly waiting = new Set<DeferredWriter>();
  private scheduled = false;

  constructor(private readonly schedule: (callback: () => void) => void = (callback) => { setImmediate(callback); }) {}

  /** `writer` has something to write by the end of the turn. */
  defer(writer: DeferredWriter): void {
    this.waiting.add(writer);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /**
   * Writes everything deferred, lowest rank first. Stops at the first writer that fails, so
   * that nothing which depends on its records reaches the disk without them; that writer and
   * the ones after it try again at the next flush. True when nothing is left waiting.
   */
  flush(): boolean {
    if (this.waiting.size === 0) return true;
    const writers = [...this.waiting].sort((a, b) => a.rank - b.rank);
    this.waiting.clear();
    for (let i = 0; i < writers.length; i++) {
      if (writers[i].writeDeferred()) continue;
      for (let j = i; j < writers.length; j++) this.waiting.add(writers[j]);
      return false;
    }
    return true;
  }
}

/** The runtime's own: every journal and memory of the nodes in one process share one turn. */
export const runtimeTurn = new TurnWrites();
