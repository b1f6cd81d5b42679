import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Wis2Error, type ErrorDetail } from '../../../nodes/lib/core/errors';
import { resolveDataset } from '../../../nodes/lib/dataset';
import { convertEvent } from '../../../nodes/lib/publish/convert';
import type { Announcements } from '../../../nodes/lib/publish/announce';
import {
  PublishController, type PublishBroker, type PublishDataset, type PublishEnds, type PublishHost, type PublishMessage,
} from '../../../nodes/lib/publish/publish-controller';
import type { Outbox } from '../../../nodes/lib/reliability/outbox';
import { ARGO, ARGO_TOPIC, SAMPLE_BUFR } from '../../helpers/fixtures';

const dataset = resolveDataset(ARGO);
const built = convertEvent({ payload: fs.readFileSync(SAMPLE_BUFR) }, dataset).notifications[0];

/** An outbox that numbers what it is given and answers when the test says. */
class FakeOutbox extends EventEmitter {
  readonly queued: { topic: string; payload: Buffer }[] = [];
  enqueue(r: { topic: string; payload: Buffer }): number {
    this.queued.push(r);
    return this.queued.length;
  }
}

/** A dataset memory that records what it is told. */
function memory(said: string[]): Announcements {
  const record = (name: string) => (dataId: string): void => { said.push(`${name} ${dataId}`); };
  // only the calls a publisher makes are faked
  return { confirm: record('confirm'), release: record('release'), withdraw: record('withdraw'), renew: record('renew') } as unknown as Announcements;
}

type Ended = { sent: (PublishMessage | null)[][]; done: (Error | undefined)[] };

class Harness {
  readonly said: unknown[][] = [];
  readonly announced: string[] = [];
  readonly box = new FakeOutbox();
  readonly own: PublishDataset;
  readonly controller: PublishController<PublishMessage, PublishDataset>;
  state: ((s: { connected: boolean }) => void) | undefined;
  /** a node is wired to the first output */
  forwards = true;

  constructor(opts: { broker?: boolean | 'broken' | 'failing'; dataset?: boolean; check?: PublishDataset['check'] } = {}) {
    this.own = opts.dataset === false ? {} : { dataset, announcements: () => memory(this.announced) };
    if (opts.check) this.own.check = opts.check;
    const log = (name: string) => (...args: unknown[]): void => { this.said.push([name, ...args]); };
    const host: PublishHost<PublishMessage, PublishDataset> = {
      datasetOf: (id) => (id === 'ds' ? this.own : null),
      label: () => 'argo',
      datasetLabel: () => 'argo',
      newId: () => 'id1',
      detached: (msg) => ({ ...msg }),
      forwards: () => this.forwards,
      refused: log('refused'),
      reject: (msg, error, ends, counted) => { ends.send([null, { ...msg, error } as PublishMessage]); counted(error); ends.done(); },
      rejectOrFail: (msg, err, ends, counted) => {
        if (!(err instanceof Wis2Error)) { ends.done(err as Error); return; }
        host.reject(msg, err.toJSON(), ends, counted);
      },
      published: log('published'),
      queued: (p) => { this.said.push(['queued', p.topic, p.payload]); },
      countRejected: log('countRejected'),
      publishedAtZero: log('publishedAtZero'),
      count: log('count'),
      refresh: log('refresh'),
      showConfigError: log('showConfigError'),
      warning: (w) => { this.said.push(['warning', w.code]); },
      retry: log('retry'),
      checkFailed: (d, err) => { this.said.push(['checkFailed', d, err.code]); },
    };
    let broker: PublishBroker | null = null;
    if (opts.broker) {
      broker = {
        use: (onState) => { this.state = onState; },
        outbox: () => { if (opts.broker === 'failing') throw new Error('disk full'); return this.box as unknown as Outbox; },
      };
      if (opts.broker === 'broken') broker.configError = 'no url';
    }
    this.controller = new PublishController({ datasetId: 'ds', dataset: this.own, brokerId: opts.broker ? 'b' : '', broker }, host);
    this.controller.start();
  }

  input(msg: PublishMessage): Ended {
    const e: Ended = { sent: [], done: [] };
    const ends: PublishEnds<PublishMessage> = { send: (m) => e.sent.push(m), done: (err) => e.done.push(err) };
    this.controller.input(msg, ends);
    return e;
  }

  names(name: string): unknown[][] {
    return this.said.filter((s) => s[0] === name).map((s) => s.slice(1));
  }
}

const wis2 = { dataId: 'd1', fingerprint: 'f1', operation: 'canonical' as const, dataset: 'ds', warnings: [] };
const message = (over: object = {}): PublishMessage => ({ payload: built.message, wis2, ...over });

/** A web server that holds every request until closed, or answers with a status. */
async function server(status?: number): Promise<{ url: string; close: () => Promise<void> }> {
  const s = http.createServer((_req, res) => { if (status) res.writeHead(status).end(); });
  await new Promise<void>((resolve) => { s.listen(0, '127.0.0.1', resolve); });
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/file.bufr`,
    close: () => new Promise((resolve) => { s.closeAllConnections(); s.close(() => { resolve(); }); }),
  };
}

function pointingAt(href: string): unknown {
  const wnm = structuredClone(built.message) as { links: { rel: string; href: string }[] };
  for (const l of wnm.links) if (l.rel === 'canonical') l.href = href;
  return wnm;
}

const settled = (): Promise<void> => new Promise((resolve) => { setTimeout(resolve, 20); });

describe('publish controller', () => {
  it('queues a notification, hands it on detached and counts it sent at the broker\'s answer', () => {
    const h = new Harness({ broker: true });
    assert.deepEqual(h.names('publishedAtZero'), [[['canonical', 'update', 'deletion']]]);
    h.state?.({ connected: true });
    assert.equal(h.controller.connected, true);
    const e = h.input(message());
    assert.equal(h.box.queued.length, 1);
    assert.equal(h.box.queued[0].topic, ARGO_TOPIC);
    assert.deepEqual(h.names('queued'), [[ARGO_TOPIC, h.box.queued[0].payload]], 'told with the bytes queued, for the cache trackers reading them back');
    assert.equal(e.sent.length, 1);
    assert.deepEqual(e.sent[0][0]?.outbox, { seq: 1 });
    assert.deepEqual(e.done, [undefined]);
    assert.deepEqual(h.announced, ['confirm d1']);
    assert.equal(h.controller.queuedCount, 1);
    assert.deepEqual(h.names('published'), [], 'not published until the broker answers');
    h.box.emit('sent', 1);
    assert.equal(h.controller.queuedCount, 0);
    assert.deepEqual(h.names('published'), [[{ publication: { dataset: 'argo', rel: 'canonical' } }]]);
    assert.deepEqual(h.names('count'), [['ready'], ['sent']]);
  });

  it('with nothing wired to its first output, queues and ends a notification without handing on a copy', () => {
    const h = new Harness({ broker: true });
    h.forwards = false;
    const e = h.input(message());
    assert.equal(h.box.queued.length, 1);
    assert.deepEqual(e.sent, [], 'no copy for no node');
    assert.deepEqual(e.done, [undefined]);
    assert.deepEqual(h.announced, ['confirm d1']);
    h.box.emit('sent', 1);
    assert.deepEqual(h.names('published'), [[{ publication: { dataset: 'argo', rel: 'canonical' } }]]);
    assert.deepEqual(h.names('count'), [['ready'], ['sent']]);
  });

  it('without an outbox, counts a notification published as it hands it on', () => {
    const h = new Harness();
    const e = h.input(message());
    assert.equal(e.sent[0][0]?.topic, ARGO_TOPIC);
    assert.deepEqual(h.names('published').length, 1);
    assert.equal(h.controller.outbox, undefined);
  });

  it('sends a refused notification on the reject output and withdraws its announcement', () => {
    const h = new Harness({ broker: true });
    h.input(message());
    h.box.emit('refused', 1, { topic: ARGO_TOPIC, payload: Buffer.from('x') }, Object.assign(new Error('not authorized'), { code: 135 }));
    const [[msg, error]] = h.names('refused') as [[PublishMessage, ErrorDetail]];
    assert.equal(msg.topic, ARGO_TOPIC);
    assert.equal(msg.wis2, wis2);
    assert.equal(error.code, 'publish.refused');
    assert.match(error.message, /not authorized \(reason code 135\)/);
    assert.deepEqual(h.announced, ['confirm d1', 'withdraw d1']);
    assert.deepEqual(h.names('count'), [['ready'], ['rejected']]);
    assert.equal(h.names('countRejected')[0][0], 'argo');
    h.box.emit('refused', 1, { topic: ARGO_TOPIC, payload: Buffer.from('x') }, new Error('again'));
    assert.equal(h.names('refused').length, 1, 'an answer is counted once');
  });

  it('rejects a message it cannot publish and releases its announcement', () => {
    const h = new Harness({ broker: true });
    const e = h.input(message({ topic: ARGO_TOPIC.replace('fr-ifremer-argo', 'fr-meteofrance') }));
    assert.equal(e.sent[0][0], null);
    assert.equal((e.sent[0][1] as { error: ErrorDetail }).error.code, 'publish.foreign_centre');
    assert.deepEqual(h.announced, ['release d1']);
    assert.equal(h.box.queued.length, 0);
    assert.deepEqual(h.names('queued'), []);
  });

  it('refuses every message with its configuration error, shown from the start', () => {
    for (const [opts, code] of [[{ dataset: false }, 'config.no_dataset'], [{ broker: 'broken' as const }, 'config.broker'], [{ broker: 'failing' as const }, 'config.outbox']] as const) {
      const h = new Harness(opts);
      assert.equal(h.controller.configError?.code, code);
      assert.equal(h.names('showConfigError').length, 1);
      const e = h.input(message());
      assert.equal((e.sent[0][1] as { error: ErrorDetail }).error.code, code);
      assert.deepEqual(h.names('count'), [['rejected']]);
    }
  });

  it('counts the warnings of a publication, says each and adds them to the message', () => {
    const h = new Harness();
    const wnm = structuredClone(built.message) as { properties: Record<string, unknown> };
    delete wnm.properties.integrity;
    const e = h.input(message({ payload: wnm, wis2: { ...wis2, warnings: [{ code: 'earlier', message: 'm', path: '' }] } }));
    assert.deepEqual(h.names('warning').length, 1);
    assert.deepEqual(h.names('count'), [['ready'], ['warned']]);
    assert.deepEqual(e.sent[0][0]?.wis2?.warnings.map((w) => w.code), ['earlier', h.names('warning')[0][0]]);
  });

  it('holds a message while its file is checked, and leaves it unfinished when closed', async () => {
    const web = await server();
    try {
      const h = new Harness({ broker: true, check: { mode: 'head', retries: 0 } });
      const e = h.input(message({ payload: pointingAt(web.url) }));
      assert.equal(h.controller.checkingCount, 1);
      await settled();
      assert.deepEqual(e.done, [], 'held until the web server answers');
      h.controller.abortChecks();
      h.controller.detach();
      await settled();
      assert.deepEqual(e, { sent: [], done: [] }, 'unfinished: replayed after the restart');
      assert.equal(h.controller.checkingCount, 0);
      assert.equal(h.box.listenerCount('sent'), 0);
    } finally {
      await web.close();
    }
  });

  it('rejects a message whose file the check refuses, and says why', async () => {
    const web = await server(404);
    try {
      const h = new Harness({ check: { mode: 'head', retries: 0 } });
      const e = h.input(message({ payload: pointingAt(web.url) }));
      for (let i = 0; i < 100 && e.done.length === 0; i++) await settled();
      assert.deepEqual(e.done, [undefined]);
      assert.equal(e.sent[0][0], null);
      assert.match(String(h.names('checkFailed')[0][1]), /^href\./);
      assert.deepEqual(h.announced, ['release d1']);
    } finally {
      await web.close();
    }
  });
});
