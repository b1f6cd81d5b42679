import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, startEmbeddedBroker, startRuntime, type EmbeddedBroker, type Runtime } from '../../bin/launch';
import { readFlow } from '../../bin/commands/flows';
import { launchChromium, needChromium } from '../helpers/chromium';
import { editorShows } from '../helpers/editor';
import { repoRoot } from '../helpers/reference';

/**
 * What `npm start` serves, seen by a real browser: the editor loads, the WIS2 nodes are in the
 * palette with their help, and the Argo flow is deployed on its tab.
 */
describe('the editor in headless Chromium', function () {
  this.timeout(120_000);
  // set in `before`, which may skip: the hooks after it must cope with their absence
  let broker: EmbeddedBroker | undefined;
  let runtime: Runtime | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let userDir: string | undefined;

  before(async function () {
    needChromium(this);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-editor-'));
    broker = await startEmbeddedBroker(0);
    runtime = await startRuntime({ userDir, host: '127.0.0.1', port: await freePort(), env: { ...process.env, MQTT_URL: broker.url, WIS2_MQTT_URL: '' }, quiet: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(runtime.url);
    await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 60_000 });
    await editorShows(page, readFlow('argo-data').map((n) => n.id));
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    await broker?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('shows the WIS2 nodes in their own palette category', async () => {
    const types = await page.$$eval('#red-ui-palette .red-ui-palette-node[data-palette-type^="wis2-"]', (els) => els.map((e) => e.getAttribute('data-palette-type')));
    for (const t of ['wis2-cloudevent-to-wnm', 'wis2-wnm-validator', 'wis2-publish', 'wis2-dead-letter']) assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
    const category = await page.$$eval('#red-ui-palette .red-ui-palette-header', (els) => els.map((e) => e.textContent.trim()));
    assert.ok(category.some((c) => c.includes('WIS2')), category.join(' | '));
    const label = await page.textContent('#red-ui-palette .red-ui-palette-node[data-palette-type="wis2-cloudevent-to-wnm"] .red-ui-palette-label');
    assert.equal(label?.replace(/\s+/g, ' ').trim(), 'CloudEvent to WNM');
  });

  it('opens the Argo flow on its tab with the pipeline deployed', async () => {
    // the tab bar is drawn after the editor's model holds the flows: wait for it, not a snapshot
    await page.locator('#red-ui-workspace-tabs .red-ui-tab', { hasText: 'Argo data' }).waitFor({ timeout: 30_000 });
    await page.click('#red-ui-workspace-tabs .red-ui-tab:has-text("Argo data")');
    for (const id of ['wis2-argo-in', 'wis2-argo-convert', 'wis2-argo-validate', 'wis2-argo-publish', 'wis2-argo-dead-letter']) {
      await page.waitForSelector(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`, { timeout: 10_000 });
    }
    // the deployed runtime reports the broker connections on the reliable input and the publishers
    await page.waitForFunction(() => document.querySelectorAll('#red-ui-workspace-chart .red-ui-flow-node-status-dot-green').length >= 2, undefined, { timeout: 20_000 });
  });

  it('shows the help of a WIS2 node', async () => {
    await page.click('#red-ui-workspace-chart g.red-ui-flow-node-group[id="wis2-argo-convert"] rect.red-ui-flow-node');
    // the sidebar's Help button: a tab link in Node-RED 4.1, a button of the tab bar in 5
    await page.click('#red-ui-tab-help-link-button, .red-ui-sidebar-tab-bar button[data-tab-id="help"]');
    const help = page.locator('.red-ui-help:visible', { hasText: 'STAC Item' });
    await help.first().waitFor({ timeout: 10_000 });
    assert.match((await help.first().textContent()) ?? '', /one WIS2\s+Notification Message/);
  });

  it('saves a screenshot of the Argo flow', async () => {
    const out = process.env.WIS2_SCREENSHOT ?? path.join(repoRoot, 'test-output', 'editor.png');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.mouse.move(700, 700);
    await page.screenshot({ path: out });
    assert.ok(fs.statSync(out).size > 10_000);
  });
});
