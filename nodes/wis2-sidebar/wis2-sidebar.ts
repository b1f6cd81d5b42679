import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { exposition, onProblem, summary } from '../common/pipeline-metrics';

/** What the plugin uses of the runtime beyond the typed node API. */
interface PluginAPI {
  plugins: { registerPlugin(id: string, definition: Record<string, unknown>): void };
  comms: { publish(topic: string, data: unknown, retain: boolean): void };
}

/** the comms topic the editor's WIS2 sidebar listens to */
const COMMS_TOPIC = 'wis2/metrics';
const REFRESH_MS = 1000;

function sameToken(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * `GET /metrics` on the editor's port, behind the editor's login when there is one: a logged-in
 * user (any user who may read the flows), or a bearer token equal to WIS2_METRICS_TOKEN, which
 * is what a Prometheus scrape config can carry.
 */
function serveMetrics(RED: NodeAPI): void {
  const login = RED.auth.needsPermission('wis2.metrics.read');
  const serve = (res: Response): void => {
    exposition().then(
      ({ contentType, body }) => {
        res.set('Content-Type', contentType).send(body);
      },
      (err: unknown) => {
        res.status(500).send(err instanceof Error ? err.message : String(err));
      },
    );
  };
  RED.httpAdmin.get('/metrics', (req: Request, res: Response, next: NextFunction) => {
    const token = process.env.WIS2_METRICS_TOKEN ?? '';
    const header = req.get('authorization') ?? '';
    if (token !== '' && header.startsWith('Bearer ') && sameToken(header.slice(7), token)) {
      serve(res);
      return;
    }
    login(req, res, (err?: unknown) => {
      if (err !== undefined) {
        next(err);
        return;
      }
      serve(res);
    });
  });
}

/**
 * Feeds the sidebar of every open editor: the summary of the counters (the ones `/metrics`
 * serves), sent when it changed, at most once a second; retained, so a new editor gets it.
 */
function feedSidebar(RED: NodeAPI & PluginAPI): void {
  let last = '';
  let pending = false;
  const publish = (): void => {
    if (pending) return;
    pending = true;
    summary().then(
      (s) => {
        pending = false;
        const text = JSON.stringify(s);
        if (text === last) return;
        last = text;
        RED.comms.publish(COMMS_TOPIC, s, true);
      },
      (err: unknown) => {
        pending = false;
        RED.log.warn(`WIS2 sidebar: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  };
  setInterval(publish, REFRESH_MS).unref();
  onProblem(publish);
}

export = function register(RED: NodeAPI): void {
  // Reason: comms and plugins exist on the runtime's API but not in its published types.
  const api = RED as NodeAPI & PluginAPI;
  api.plugins.registerPlugin('wis2-sidebar', { type: 'wis2-sidebar' });
  serveMetrics(RED);
  feedSidebar(api);
};
