import path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './reference';

/** The editor's client API, as much of it as the tests call (it runs in the page, untyped). */
interface EditorNode { id: string; type: string; z?: string; label?: string; _def?: { category?: string } }
declare global {
  const RED: {
    nodes: {
      node(id: string): EditorNode | null;
      workspace(id: string): EditorNode | null;
      createCompleteNodeSet(opts: { credentials: boolean }): unknown[];
      dirty(value?: boolean): boolean;
      eachWorkspace(cb: (ws: EditorNode) => void): void;
      eachConfig(cb: (n: EditorNode) => void): void;
      eachNode(cb: (n: EditorNode) => void): void;
    };
    history: { peek(): unknown };
    workspaces: { show(id: string): void };
    editor: { edit(node: EditorNode): void; editConfig(name: string, type: string, id: string): void; editFlow(ws: EditorNode): void };
  };
}

/**
 * Waits until the editor holds these nodes. The tab bar and the canvas are drawn a while after
 * the palette, later still on a loaded machine: the editor's own model is what is ready first
 * and what the tests read.
 */
export async function editorShows(page: Page, ids: readonly string[], timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    (wanted) => {
      if (typeof RED === 'undefined' || typeof RED.nodes.createCompleteNodeSet !== 'function') return false;
      const have = new Set(RED.nodes.createCompleteNodeSet({ credentials: false }).map((n) => (n as { id: string }).id));
      return wanted.every((id) => have.has(id));
    },
    ids,
    { timeout, polling: 200 },
  );
}

/**
 * Opens the edit dialog of a node, a config node or a tab, as a double-click (or the config
 * sidebar) does, and closes it with its Done/Update button, untouched. False when the node has no
 * dialog (the runtime's global config is edited in the user settings).
 */
export async function openDialog(page: Page, id: string): Promise<boolean> {
  const kind = await page.evaluate((nodeId) => {
    const ws = RED.nodes.workspace(nodeId);
    if (ws) {
      RED.workspaces.show(nodeId);
      RED.editor.editFlow(ws);
      return 'node';
    }
    const node = RED.nodes.node(nodeId);
    if (!node || node.type === 'global-config') return 'none';
    if (node._def?.category === 'config') {
      RED.editor.editConfig('', node.type, nodeId);
      return 'config';
    }
    if (node.z) RED.workspaces.show(node.z);
    RED.editor.edit(node);
    return 'node';
  }, id);
  if (kind === 'none') return false;
  const ok = page.locator(kind === 'config' ? '#node-config-dialog-ok' : '#node-dialog-ok');
  await ok.waitFor({ state: 'visible', timeout: 30_000 });
  // A click that lands while the dialog is still building its lists (the status and catch node
  // pickers fill in after the tray opens) can be lost; Done is clicked again until the tray
  // closes, which changes nothing the test compares.
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    // playwright waits until the sliding tray holds still before it clicks
    if (await ok.isVisible()) await ok.click({ timeout: 30_000 }).catch((err: unknown) => (lastError = err));
    const closed = await page
      .waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0, undefined, { timeout: 15_000 })
      .then(() => true, (err: unknown) => ((lastError = err), false));
    if (closed) return true;
  }
  await page.screenshot({ path: path.join(repoRoot, 'test-output', `dialog-${id}.png`) }).catch(() => undefined);
  throw new Error(`the dialog of ${id} did not close: ${String(lastError)}`);
}
