import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, startEmbeddedBroker, startRuntime, type EmbeddedBroker, type Runtime } from '../../bin/launch';
import { readFlow } from '../../bin/commands/flows';
import { launchChromium, needChromium } from '../helpers/chromium';
import { editorShows } from '../helpers/editor';
import { repoRoot } from '../helpers/reference';

/** The README's "Add a data source", as written: its commands, its variables, its buttons. */
function readmeSteps(): { commands: string[][]; variables: Map<string, string> } {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Add a data source\n');
  assert.ok(start >= 0, 'the README has the section');
  const end = readme.indexOf('\n## ', start + 5);
  const section = readme.slice(start, end);
  const commands = [...section.matchAll(/^\s*node dist\/bin\/wis2\.js (.+?)( &)?$/gm)].map((m) => (m.at(1) ?? '').trim().split(/\s+/));
  const variables = new Map([...section.matchAll(/^\s*\| `([A-Z0-9_]+)` \| (?:`([^`]*)`|\(empty\)) \|/gm)].map((m) => [m.at(1) ?? '', m.at(2) ?? '']));
  return { commands, variables };
}

/** The CLI as the README runs it, on the test's broker instead of 127.0.0.1:1883. */
function cli(args: string[], brokerUrl: string): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; stderr: () => string } {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'bin', 'wis2.js'), ...args.map((a) => (a === 'mqtt://127.0.0.1:1883' ? brokerUrl : a))], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { done: new Promise((resolve) => child.on('close', (code) => { resolve({ code, stdout, stderr }); })), stderr: () => stderr };
}

describe('the README walkthrough "Add a data source", followed in headless Chromium', function () {
  this.timeout(300_000);
  let broker: EmbeddedBroker | undefined;
  let runtime: Runtime | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let userDir: string | undefined;
  const { commands, variables } = readmeSteps();
  const command = (name: string): string[] => {
    const found = commands.find((c) => c.slice(0, name.split(' ').length).join(' ') === name);
    assert.ok(found, `the README runs wis2 ${name}: ${JSON.stringify(commands)}`);
    return found;
  };
  let tabId = '';
  const brokerIds = (): Promise<string[]> =>
    page.evaluate(() => {
      const found: string[] = [];
      RED.nodes.eachConfig((n) => { if (n.type === 'wis2-broker') found.push(n.id); });
      return found.sort();
    });

  before(async function () {
    needChromium(this);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-walkthrough-'));
    broker = await startEmbeddedBroker(0);
    // as npm start runs it: the Argo flows deployed
    runtime = await startRuntime({ userDir, host: '127.0.0.1', port: await freePort(), env: { ...process.env, MQTT_URL: broker.url, WIS2_MQTT_URL: broker.url, WIS2_METADATA_GRACE: '5' }, quiet: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(runtime.url);
    await editorShows(page, readFlow('argo-data').map((n) => n.id));
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    await broker?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('1. the topic is valid', async () => {
    const run = cli(command('topic validate'), broker?.url ?? '');
    const { code, stdout } = await run.done;
    assert.equal(code, 0, stdout + run.stderr());
    assert.match(stdout, /^valid publication topic/);
    assert.equal(command('topic validate')[2], variables.get('WIS2_TOPIC'), 'the topic checked is the one set in step 3');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await page.screenshot({ path: path.join(repoRoot, 'test-output', `walkthrough-${this.currentTest.title.slice(0, 1)}.png`) }).catch(() => undefined);
  });

  it('2. imports the template from the examples, with Import copy, reusing the broker config nodes', async () => {
    const brokersBefore = await brokerIds();
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    const dialog = page.locator('.ui-dialog:has(#red-ui-clipboard-dialog)');
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.getByRole('link', { name: 'Examples' }).click();
    const examples = dialog.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await examples.getByText('node-red-contrib-wis2', { exact: true }).click();
    await examples.getByText('new-data-source', { exact: true }).click();
    await page.click('#red-ui-clipboard-dialog-ok');
    const copy = page.getByRole('button', { name: 'Import copy' });
    await copy.waitFor({ timeout: 30_000 });
    assert.match((await page.locator('.red-ui-notification').last().textContent()) ?? '', /already exist in your workspace/);
    await copy.click();
    tabId = await page.waitForFunction(() => {
      let id = '';
      RED.nodes.eachWorkspace((ws) => { if (ws.label === 'New data source → WIS2') id = ws.id; });
      return id;
    }, undefined, { timeout: 30_000 }).then((h) => h.jsonValue());
    assert.notEqual(tabId, 'wis2-template', 'a copy: new ids');
    const brokers = await brokerIds();
    assert.ok(brokers.includes('wis2-broker-input') && brokers.includes('wis2-broker-output'), brokers.join(', '));
    assert.deepEqual(brokers, brokersBefore, 'the copy uses the existing broker config nodes');
  });

  it('3. sets the tab\'s variables in its Environment Variables list', async () => {
    await page.dblclick(`#red-ui-workspace-tabs .red-ui-tab:has-text("New data source")`);
    // the dialog opens on Properties; the variables are on its Environment Variables tab
    await page.click('#red-ui-tab-editor-tab-envProperties-link-button');
    const rows = page.locator('.red-ui-tray li:has(input.node-input-env-name)');
    await rows.locator('input.node-input-env-name').first().waitFor({ timeout: 30_000 });
    const seen: string[] = [];
    for (let i = 0; i < (await rows.count()); i += 1) {
      const row = rows.nth(i);
      const name = await row.locator('input.node-input-env-name').inputValue();
      seen.push(name);
      const value = variables.get(name);
      if (value === undefined) continue;
      // the value's field is a typed input: the visible input stands for the hidden one
      await row.locator('input.red-ui-typedInput-input').fill(value);
    }
    assert.deepEqual([...variables.keys()].sort(), seen.sort(), 'the README names every variable of the tab');
    await page.click('#node-dialog-ok');
    await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0, undefined, { timeout: 30_000 });
    const env = await page.evaluate((id) => (RED.nodes.workspace(id) as unknown as { env: { name: string; value: string }[] }).env, tabId);
    for (const [name, value] of variables) assert.equal(env.find((e) => e.name === name)?.value, value, name);
  });

  it('4. deploys', async () => {
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => !RED.nodes.dirty(), undefined, { timeout: 60_000 });
    // the new tab's reliable input subscribed to the source topic
    await page.waitForFunction(() => document.querySelectorAll('#red-ui-workspace-chart .red-ui-flow-node-status-dot-green').length >= 2, undefined, { timeout: 30_000 });
  });

  it('5. the sample events published on the source topic arrive as valid notifications on the dataset\'s topic', async () => {
    const receive = cli(command('receive'), broker?.url ?? '');
    const deadline = Date.now() + 30_000;
    while (!receive.stderr().includes('"subscribed"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const simulate = await cli(command('simulate'), broker?.url ?? '').done;
    assert.equal(simulate.code, 0, simulate.stdout + simulate.stderr);
    const received = await receive.done;
    assert.equal(received.code, 0, received.stdout + received.stderr);
    const valid = received.stdout.split('\n').filter((l) => l.startsWith('VALID '));
    const count = Number(command('receive')[command('receive').indexOf('--count') + 1]);
    assert.equal(valid.length, count, received.stdout);
    for (const line of valid) assert.ok(line.startsWith(`VALID ${variables.get('WIS2_TOPIC') ?? ''} `), line);
  });

  it('6. until its record is announced, the dataset says so on the CloudEvent to WNM status', async () => {
    const convert = await page.evaluate((z) => {
      let id = '';
      RED.nodes.eachNode((n) => { if (n.z === z && n.type === 'wis2-cloudevent-to-wnm') id = n.id; });
      return id;
    }, tabId);
    const label = page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${convert}"] .red-ui-flow-node-status-label`);
    await page.waitForFunction(
      ([sel, text]) => (document.querySelector(sel)?.textContent ?? '').includes(text),
      [`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${convert}"] .red-ui-flow-node-status-label`, `no metadata announced for ${variables.get('METADATA_ID') ?? ''}`] as const,
      { timeout: 60_000 },
    );
    assert.match((await label.textContent()) ?? '', /no metadata announced for urn:wmo:md:/);
  });
});
