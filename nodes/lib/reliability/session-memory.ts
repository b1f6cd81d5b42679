import fs from 'node:fs';
import path from 'node:path';

interface Session {
  url: string;
  clientId: string;
}

/**
 * What tells a lost persistent MQTT session from a first one: the broker's `sessionPresent`
 * flag is false in both cases. A session is ours once a connection with `clean = false` was
 * accepted; kept in a file, that knowledge outlives a restart of the runtime (meaningful
 * only for a fixed client id, the only kind a broker can find again).
 */
export class SessionMemory {
  private session: Session | undefined;

  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Session>;
      if (typeof s.url === 'string' && typeof s.clientId === 'string') this.session = { url: s.url, clientId: s.clientId };
    } catch {
      // no file yet, or an unreadable one: no session known, as on a first start
    }
  }

  /** Records an accepted connection; true when the broker had lost the session we had there. */
  connected(url: string, clientId: string, sessionPresent: boolean): boolean {
    const had = this.session?.url === url && this.session.clientId === clientId;
    if (!had) {
      this.session = { url, clientId };
      if (this.file) {
        try {
          fs.mkdirSync(path.dirname(this.file), { recursive: true });
          fs.writeFileSync(this.file, JSON.stringify(this.session));
        } catch {
          // the next restart will not know of this session; within this run it is known
        }
      }
    }
    return had && !sessionPresent;
  }
}
