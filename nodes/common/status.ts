import type { Node, NodeStatus } from 'node-red';

/**
 * Node status that says what happened, without costing the flow: at thousands of messages a
 * second a status event per message would flood the editor, so updates are coalesced.
 */
export class StatusCounter<K extends string> {
  private readonly counts: Record<K, number>;
  private timer: NodeJS.Timeout | undefined;
  private lastKey: K;

  constructor(
    private readonly node: Node,
    keys: readonly K[],
    private readonly render: (counts: Readonly<Record<K, number>>, last: K) => NodeStatus,
    private readonly intervalMs = 250,
  ) {
    this.counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
    // keys is never empty: every counter has at least one count
    this.lastKey = keys[0];
  }

  count(key: K, by = 1): void {
    this.counts[key] += by;
    this.lastKey = key;
    this.schedule();
  }

  /** Renders again (something the status shows besides the counts has changed). */
  refresh(): void {
    this.schedule();
  }

  private schedule(): void {
    // Rendered when shown, not per message: the translated text costs more than the message.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.node.status(this.render(this.counts, this.lastKey));
    }, this.intervalMs);
  }

  get(key: K): number {
    return this.counts[key];
  }

  /** Shows a status now (configuration problems), dropping any pending update. */
  show(status: NodeStatus): void {
    this.stop();
    this.node.status(status);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
