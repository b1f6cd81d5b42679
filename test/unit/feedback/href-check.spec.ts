import assert from 'node:assert/strict';
import { Wis2Error } from '../../../nodes/lib/core/errors';
import { CheckSlots, announcedFile, checkAnnouncedFile, type AnnouncedFile, type CheckOptions } from '../../../nodes/lib/feedback/href-check';
import { RequestFailure } from '../../../nodes/lib/feedback/http-budget';
import { sha512Base64, startFileServer, type FileServer } from '../../helpers/file-server';

const BYTES = Buffer.from('CDF\u0001 an Argo profile, byte for byte\n'.repeat(50));

function file(server: FileServer, path: string, overrides: Partial<AnnouncedFile> = {}): AnnouncedFile {
  return {
    href: `${server.base}${path}`,
    path: '/links/0/href',
    length: BYTES.length,
    integrity: { method: 'sha512', value: sha512Base64(BYTES) },
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<Wis2Error> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Wis2Error, String(err));
    return err;
  }
  assert.fail('expected the check to fail');
}

/** Short waits, so that the retries of a test take a moment, not minutes. */
const quick: Partial<CheckOptions> = { retries: 2, backoffMs: 50 };

describe('the check before publishing', () => {
  let server: FileServer;
  beforeEach(async () => {
    server = await startFileServer();
  });
  afterEach(() => server.close());

  it('reads the file of a notification from its canonical or update link, and none from a deletion', () => {
    const integrity = { method: 'sha512', value: 'abc=' };
    assert.deepEqual(announcedFile({ properties: { integrity }, links: [{ rel: 'via', href: 'x' }, { rel: 'update', href: 'https://h/f.nc', length: 12 }] }), {
      href: 'https://h/f.nc', path: '/links/1/href', length: 12, integrity,
    });
    assert.equal(announcedFile({ properties: {}, links: [{ rel: 'deletion', href: 'https://h/f.nc' }] }), undefined);
    assert.equal(announcedFile('not a notification'), undefined);
  });

  for (const mode of ['head', 'download'] as const) {
    it(`${mode}: passes the right file at the first attempt`, async () => {
      server.set('/ok.nc', { serve: BYTES });
      const passed = await checkAnnouncedFile(file(server, 'ok.nc'), { mode });
      assert.equal(passed.attempts, 1);
      assert.deepEqual(passed.warnings, []);
      assert.deepEqual(server.requests.map((r) => r.method), [mode === 'head' ? 'HEAD' : 'GET']);
    });

    it(`${mode}: refuses a wrong length at once with href.length_mismatch`, async () => {
      server.set('/short.nc', { serve: BYTES.subarray(0, 100) });
      const err = await failure(checkAnnouncedFile(file(server, 'short.nc'), { mode, ...quick }));
      assert.equal(err.code, 'href.length_mismatch');
      assert.equal(err.stage, 'check');
      assert.equal(err.path, '/links/0/href');
      assert.match(err.message, new RegExp(`100 bytes; the notification announces ${BYTES.length}`));
      assert.equal(server.requests.length, 1, 'a wrong length is not asked again');
    });
  }

  it('download: refuses the right length with wrong bytes with integrity.mismatch', async () => {
    const wrong = Buffer.from(BYTES);
    wrong[10] ^= 0xff;
    server.set('/wrong.nc', { serve: wrong });
    const err = await failure(checkAnnouncedFile(file(server, 'wrong.nc'), { mode: 'download', ...quick }));
    assert.equal(err.code, 'integrity.mismatch');
    assert.match(err.message, /sha512/);
    assert.equal(server.requests.length, 1);
  });

  it('download: stops reading a file longer than announced', async () => {
    server.set('/long.nc', { serve: Buffer.concat([BYTES, Buffer.alloc(1 << 20)]), contentLength: 'none' });
    const err = await failure(checkAnnouncedFile(file(server, 'long.nc'), { mode: 'download' }));
    assert.equal(err.code, 'href.length_mismatch');
  });

  it('head: cannot see wrong bytes of the right length (only download can)', async () => {
    const wrong = Buffer.from(BYTES);
    wrong[10] ^= 0xff;
    server.set('/wrong.nc', { serve: wrong });
    assert.equal((await checkAnnouncedFile(file(server, 'wrong.nc'), { mode: 'head' })).attempts, 1);
  });

  it('asks again a file answering 404, and passes it once it is served 2 s later', async () => {
    const servedAt = Date.now() + 2000;
    server.set('/late.nc', () => (Date.now() >= servedAt ? { serve: BYTES } : { status: 404 }));
    const retries: string[] = [];
    const passed = await checkAnnouncedFile(file(server, 'late.nc'), {
      mode: 'download',
      onRetry: (_n, reason) => { retries.push(reason); },
    });
    assert.ok(Date.now() >= servedAt);
    assert.ok(passed.attempts >= 2, `${passed.attempts} attempts`);
    assert.equal(passed.attempts, retries.length + 1);
    assert.match(retries[0] ?? '', /HTTP 404/);
  });

  it('gives up on a file never served with href.unreachable, after the retries', async () => {
    server.set('/never.nc', { status: 404 });
    const err = await failure(checkAnnouncedFile(file(server, 'never.nc'), { mode: 'head', ...quick }));
    assert.equal(err.code, 'href.unreachable');
    assert.match(err.message, /HTTP 404.*\(3 attempts\)/);
    assert.equal(server.requests.length, 3);
  });

  it('gives up on a server that never answers, within its read budget', async () => {
    server.set('/silent.nc', { silent: true });
    const started = Date.now();
    const err = await failure(checkAnnouncedFile(file(server, 'silent.nc'), { mode: 'head', readTimeoutMs: 200, ...quick }));
    assert.equal(err.code, 'href.unreachable');
    assert.match(err.message, /nothing received for 0.2 s/);
    assert.ok(Date.now() - started >= 3 * 200, 'each attempt waited its read budget');
  });

  it('gives up on a connection closed without an answer, and on a refused connection', async () => {
    server.set('/hang.nc', { hangUp: true });
    assert.equal((await failure(checkAnnouncedFile(file(server, 'hang.nc'), { mode: 'download', ...quick }))).code, 'href.unreachable');
    const closed = server.base;
    await server.close();
    const err = await failure(checkAnnouncedFile({ href: `${closed}x.nc`, path: '' }, { mode: 'head', ...quick }));
    assert.match(err.message, /ECONNREFUSED/);
    server = await startFileServer();
  });

  it('refuses at once a status no retry will change (403)', async () => {
    server.set('/forbidden.nc', { status: 403 });
    const err = await failure(checkAnnouncedFile(file(server, 'forbidden.nc'), { mode: 'head', ...quick }));
    assert.equal(err.code, 'href.unreachable');
    assert.equal(server.requests.length, 1);
  });

  it('follows redirects and asks with GET a server that refuses HEAD', async () => {
    server.set('/moved.nc', { redirect: '/here.nc' });
    server.set('/here.nc', { serve: BYTES, refuseHead: true });
    assert.equal((await checkAnnouncedFile(file(server, 'moved.nc'), { mode: 'head' })).attempts, 1);
    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.path}`), ['HEAD /moved.nc', 'HEAD /here.nc', 'GET /moved.nc', 'GET /here.nc']);
  });

  it('says what it could not confirm: no Content-Length, no integrity', async () => {
    server.set('/chunked.nc', { serve: BYTES, contentLength: 'none' });
    const head = await checkAnnouncedFile(file(server, 'chunked.nc'), { mode: 'head' });
    assert.deepEqual(head.warnings.map((w) => w.code), ['href.length_unknown']);
    const bare = file(server, 'chunked.nc');
    delete bare.integrity;
    const download = await checkAnnouncedFile(bare, { mode: 'download' });
    assert.deepEqual(download.warnings.map((w) => w.code), ['integrity.unchecked']);
  });

  it('stops waiting when cancelled, without a verdict', async () => {
    server.set('/never.nc', { status: 404 });
    const controller = new AbortController();
    const check = checkAnnouncedFile(file(server, 'never.nc'), { mode: 'head', retries: 100, backoffMs: 10_000, signal: controller.signal });
    setTimeout(() => { controller.abort(); }, 100);
    await assert.rejects(check, (err: unknown) => err instanceof RequestFailure && err.kind === 'aborted');
  });
});

describe('checks at once', () => {
  it('runs at most its size of checks together, the others in turn, and all of them', async () => {
    const slots = new CheckSlots(3);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => slots.run(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      done.push(i);
    })));
    assert.equal(most, 3);
    assert.equal(done.length, 10);
    assert.equal(slots.queued, 0);
  });

  it('frees the slot of a check that failed', async () => {
    const slots = new CheckSlots(1);
    await assert.rejects(slots.run(() => Promise.reject(new Error('no'))));
    assert.equal(await slots.run(() => Promise.resolve(7)), 7);
  });
});
