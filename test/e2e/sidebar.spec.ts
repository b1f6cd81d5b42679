import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { freePort, startEmbeddedBroker, startRuntime, type EmbeddedBroker, type Runtime } from '../../bin/launch';
import { launchChromium, needChromium } from '../helpers/chromium';
import { repoRoot } from '../helpers/reference';
import { SOURCE_TOPIC, distinctEvents } from '../reliability/harness';

/** the dataset config node's name, the `dataset` label of the metrics */
const DATASET = 'Argo (fr-ifremer-argo)';

/** The WIS2 tab of the editor's sidebar, in a real browser, while the pipeline works. */
describe('the WIS2 sidebar in headless Chromium', function () {
  this.timeout(120_000);
  let broker: EmbeddedBroker | undefined;
  let runtime: Runtime | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let userDir: string | undefined;

  async function openTab(p: Page): Promise<void> {
    await p.goto(runtime?.url ?? '');
    await p.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 60_000 });
    // a tab link in Node-RED 4.1, a button of the tab bar in 5; the runtime remembers the tab
    // an editor showed last, and a click on the shown tab would fold it away
    const tab = p.locator('.wis2-sidebar:visible');
    await p.waitForSelector('#red-ui-tab-wis2-link-button, .red-ui-sidebar-tab-bar button[data-tab-id="wis2"]');
    await new Promise((r) => setTimeout(r, 500));
    if ((await tab.count()) === 0) await p.click('#red-ui-tab-wis2-link-button, .red-ui-sidebar-tab-bar button[data-tab-id="wis2"]');
    await tab.waitFor({ timeout: 10_000 });
  }

  /** the counter rows of the dataset's block: label -> value */
  function counts(p: Page): Promise<Record<string, string>> {
    return p.$$eval(`.wis2-sidebar-dataset[data-dataset="${DATASET}"] tbody tr`, (rows) =>
      Object.fromEntries(rows.map((r): [string, string] => [r.children.item(0)?.textContent ?? '', r.children.item(1)?.textContent ?? ''])),
    );
  }

  before(async function () {
    // (WIS2_CHECK off: the sample events announce files on data-argo.ifremer.fr, which the tests do not reach)
    needChromium(this);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-sidebar-'));
    broker = await startEmbeddedBroker(0);
    runtime = await startRuntime({ userDir, host: '127.0.0.1', port: await freePort(), env: { ...process.env, MQTT_URL: broker.url, WIS2_MQTT_URL: '', WIS2_CHECK: 'off' }, quiet: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
    await openTab(page);
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    await broker?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('shows the new counts and a rejected event\'s reason and file, live', async () => {
    assert.ok(broker);
    await broker.subscribed('diffusion/files/coriolis/argo/#');
    const events = distinctEvents(4);
    // the fourth one loses its type: refused, with the file it was about
    const broken = JSON.parse((events[3] ?? Buffer.alloc(0)).toString('utf8')) as Record<string, unknown> & { data: { assets: Record<string, { href: string }> } };
    delete broken.type;
    const brokenFile = Object.values(broken.data.assets)[0]?.href ?? '';
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    try {
      for (const e of [...events.slice(0, 3), Buffer.from(JSON.stringify(broken))]) await client.publishAsync(SOURCE_TOPIC, e, { qos: 1 });
    } finally {
      await client.endAsync();
    }
    await page.waitForFunction(
      (ds) => {
        const box = document.querySelector(`.wis2-sidebar-dataset[data-dataset="${ds}"]`);
        return box !== null && /notifications published\s*3/.test(box.textContent) && /events received\s*4/.test(box.textContent);
      },
      DATASET,
      { timeout: 30_000 },
    );
    const c = await counts(page);
    assert.equal(c['events received'], '4');
    assert.equal(c['notifications published'], '3 (canonical 3, deletion 0, update 0)');
    assert.equal(c.rejected, '1');
    assert.equal(c['duplicates (not announced again)'], '0');
    assert.match(c['last publication'] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    const brokers = await page.$$eval('.wis2-sidebar-brokers tbody tr', (rows) => rows.map((r) => [...r.children].map((td) => td.textContent)));
    assert.ok(brokers.some((r) => r[0] === 'diffusion broker (MQTT_URL)' && r[1] === 'connected' && r[3] === '0'), JSON.stringify(brokers));
    const problems = await page.$$eval('.wis2-sidebar-problems tbody tr', (rows) => rows.map((r) => [...r.children].map((td) => td.textContent)));
    assert.ok(problems.some((r) => r[1] === 'ce.missing_attribute' && r[2] === brokenFile), JSON.stringify(problems));
  });

  it('speaks French to a French browser', async () => {
    assert.ok(browser);
    const fr = await browser.newPage({ viewport: { width: 1600, height: 900 }, locale: 'fr-FR' });
    try {
      await openTab(fr);
      await fr.waitForFunction(() => document.querySelector('.wis2-sidebar')?.textContent.includes('Jeux de données') === true, undefined, { timeout: 20_000 });
      const c = await counts(fr);
      assert.equal(c['événements reçus'], '4');
      assert.equal(c['rejetés'], '1');
    } finally {
      await fr.close();
    }
  });

  it('keeps a screenshot for the README', async () => {
    const out = process.env.WIS2_SIDEBAR_SCREENSHOT ?? path.join(repoRoot, 'test-output', 'wis2-sidebar.png');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.click('#red-ui-workspace-tabs .red-ui-tab:has-text("Argo data")');
    await page.mouse.move(700, 700);
    await page.screenshot({ path: out });
    assert.ok(fs.statSync(out).size > 10_000);
  });
});
