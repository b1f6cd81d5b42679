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
