import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, startEmbeddedBroker, startRuntime, type EmbeddedBroker, type Runtime } from '../../bin/launch';
import type { BrokerTotals } from '../../nodes/common/broker-node';
import { launchChromium, needChromium } from '../helpers/chromium';

/**
 * The broker's totals, which no node status shows (a publish node counts only its own), in the
 * dialog of the WIS2 broker config node, as a browser shows it: the same figures as the admin API.
 */
describe('the WIS2 broker dialog in headless Chromium', function () {
  this.timeout(120_000);
  let broker: EmbeddedBroker | undefined;
  let runtime: Runtime | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let userDir: string | undefined;

  before(async function () {
    needChromium(this);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-broker-dialog-'));
    broker = await startEmbeddedBroker(0);
    runtime = await startRuntime({ userDir, host: '127.0.0.1', port: await freePort(), env: { ...process.env, MQTT_URL: broker.url, WIS2_MQTT_URL: '' }, quiet: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(runtime.url);
    await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    await broker?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('shows the connection and its outbox totals, all its nodes together, read only', async () => {
    assert.ok(runtime);
    const url = new URL('wis2-broker/wis2-broker-output/totals', runtime.url);
    // the metadata flow announces its record 10 s after deploy, through this broker
    let totals: BrokerTotals | undefined;
    for (const deadline = Date.now() + 40_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      totals = (await (await fetch(url)).json()) as BrokerTotals;
      if (totals.connected && (totals.outbox?.sent ?? 0) >= 1) break;
    }
    assert.ok(totals?.connected && totals.outbox, JSON.stringify(totals));
    await page.evaluate(() => {
      (window as unknown as { RED: { editor: { editConfig(a: string, type: string, id: string): void } } }).RED.editor.editConfig('', 'wis2-broker', 'wis2-broker-output');
    });
    const line = page.locator('#wis2-broker-totals');
    await line.waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForFunction(() => (document.querySelector('#wis2-broker-totals')?.textContent ?? '') !== '', undefined, { timeout: 10_000 });
    const text = (await line.textContent()) ?? '';
    assert.match(text, /^connected, (\d+) node\(s\) · outbox: (\d+) queued, (\d+) sent, (\d+) refused by the broker$/);
    const [, users, , sent] = /^connected, (\d+) node\(s\) · outbox: (\d+) queued, (\d+) sent/.exec(text) ?? [];
    assert.equal(Number(users), totals.users, 'the Argo data and metadata publish nodes');
    assert.ok(Number(sent) >= totals.outbox.sent, `${text} vs ${JSON.stringify(totals)}`);
    console.log(`      broker dialog: "${text}"`);
    await page.click('#node-config-dialog-cancel');
  });
});
