import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { needProgram } from './programs';

/** Debian's Chromium, driven headless by playwright-core (which never downloads a browser). */
export const chromiumBin: string | undefined = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

export function needChromium(ctx: Mocha.Context): void {
  needProgram(ctx, 'chromium', chromiumBin !== undefined, 'the suite drives a real browser, and none is installed on this machine');
}

/** A fresh browser; playwright gives it a new empty profile of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumBin,
    headless: true,
    // the closed network refuses Chromium's background connections; these flags stop them
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
