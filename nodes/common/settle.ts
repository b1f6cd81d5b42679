/**
 * Which received messages are safe. A message received by a reliable input stays in that
 * input's journal until every message it turned into has reached a durable end: queued in an
 * outbox (a notification or a dead letter), or dropped on purpose (a duplicate). Messages carry
 * a plain key (msg._wis2ack), which survives Node-RED's message cloning; this registry, shared
 * by the nodes of one runtime, counts what is still open for each key.
 */
interface Open {
  remaining: number;
  settle: () => void;
}

const open = new Map<string, Open>();

export const ACK_PROPERTY = '_wis2ack';

/** Starts tracking a received message: `settle` runs once everything it became is safe. */
export function track(key: string, settle: () => void): void {
  open.set(key, { remaining: 1, settle });
}

/** The message became `count` messages (an event announcing several files): each settles apart. */
export function split(key: unknown, count: number): void {
  if (typeof key !== 'string') return;
  const entry = open.get(key);
  if (!entry) return;
  if (count <= 0) {
    open.delete(key);
    entry.settle();
    return;
  }
  entry.remaining += count - 1;
}

/** One of the messages a received one became has reached a durable end. */
export function settle(key: unknown): void {
  if (typeof key !== 'string') return;
  const entry = open.get(key);
  if (!entry) return;
  entry.remaining -= 1;
  if (entry.remaining <= 0) {
    open.delete(key);
    entry.settle();
  }
}

/** Forgets the keys of an input that stops (its journal replays them when it starts again). */
export function forget(prefix: string): void {
  for (const key of open.keys()) if (key.startsWith(prefix)) open.delete(key);
}

export function openCount(): number {
  return open.size;
}
