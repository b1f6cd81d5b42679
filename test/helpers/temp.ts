import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Folders under the system's temporary directory that one owner makes, removed when it says
 * so (`remove`) and, whatever it forgot, when the process exits.
 */
export class TempDirs {
  private readonly made: string[] = [];

  constructor() {
    process.once('exit', () => {
      this.remove();
    });
  }

  make(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  /** Removes every folder made so far. */
  remove(): void {
    for (const dir of this.made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}
