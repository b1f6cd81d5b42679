import fs from 'node:fs';
import path from 'node:path';

/** A program of the machine by name: on PATH, else in `extraDirs` (sbin folders are often off a user's PATH). */
export function findProgram(name: string, extraDirs: readonly string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs]) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Suites that need a program of the machine (Mosquitto, Chromium, openssl): without it they
 * are skipped, and say so, except under CI, where .ci/run installs every one of them and a
 * missing one is a failure.
 */
export function needProgram(ctx: Mocha.Context, name: string, found: boolean, why: string): void {
  if (found) return;
  if (process.env.CI === 'true') throw new Error(`${name} is required under CI but was not found`);
  // Reason: the caller's `why`, printed with the skip so that the log says it too.
  console.log(`      skipped: no ${name} (${why})`);
  ctx.skip();
}
