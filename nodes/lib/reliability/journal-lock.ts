/**
 * Two writers on one journal (say, a node redeployed before the old instance closed) would
 * interleave records and each believe its own view of what is acknowledged. Within one process
 * that is refused here. Across processes nothing is locked: Node.js has no flock(2) without a
 * native module, and a pid file cannot tell a live owner from a recycled pid after a SIGKILL.
 */
export class JournalLockedError extends Error {
  readonly code = 'EJOURNALLOCKED';

  constructor(readonly target: string) {
    super(`already open in this process: ${target}`);
    this.name = 'JournalLockedError';
  }
}

const held = new Set<string>();

export function acquireLock(key: string): void {
  if (held.has(key)) throw new JournalLockedError(key);
  held.add(key);
}

export function releaseLock(key: string): void {
  held.delete(key);
}
