import type { Node, NodeStatus } from 'node-red';

/**
 * Node status that says what happened, without costing the flow: at thousands of messages a
 * second a status event per message would flood the editor, so updates are coalesced.
 */
export class StatusCounter<K extends string> {
  private readonly counts: Record<K, number>;
  private timer: NodeJS.Timeout | undefined;
  private last: NodeStatus = {};

  constructor(
    private readonly node: Node,
    keys: readonly K[],
    private readonly render: (counts: Readonly<Record<K, number>>, last: K) => NodeStatus,
    private readonly intervalMs = 250,
  ) {
    this.counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  }

  count(key: K): void {
    this.counts[key] += 1;
    this.last = this.render(this.counts, key);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.node.status(this.last);
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
