import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { MANIFEST_FILE, fetchReference, main, readManifest, sha256, type Manifest } from '../../scripts/reference';
import { needReference, reference } from '../helpers/reference';

const BASE = 'https://raw.githubusercontent.com';
const COMMIT = 'c0ffee0000000000000000000000000000000001';
const GOOD = Buffer.from('{"official": true}\n');
const CSV_A = Buffer.from('Name,Status\n' + 'fr-ifremer-argo,Operational\n'.repeat(50));
const CSV_B = Buffer.from('Name\ncore\nrecommended\n');

/**
 * A zip archive as `zip` writes it: stored or deflated members, a central directory, its end
 * record. The CRC fields stay 0: the reader checks each member's SHA-256 instead.
 */
function zipOf(entries: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? zlib.deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(e.deflate ? 8 : 0, 10);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(e.data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(dir, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

const ZIP = zipOf([
  { name: 'bundle/a.csv', data: CSV_A, deflate: true },
  { name: 'b.csv', data: CSV_B, deflate: false },
]);

function entry(file: string, served: string, bytes: Buffer, member?: string): Manifest['files'][number] {
  return { path: file, url: `${BASE}/wmo-im/example/${COMMIT}/${served}`, sha256: sha256(bytes), ...(member === undefined ? {} : { member }) };
}

/** Every file below a folder, so that a test can say nothing else was written. */
function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('npm run reference: pinned downloads', function () {
  this.timeout(20_000);
  let server: http.Server;
  let base = '';
  let dir = '';
  const requests = new Map<string, number>();

  before(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? '';
      requests.set(url, (requests.get(url) ?? 0) + 1);
      const file = url.replace(`/wmo-im/example/${COMMIT}/`, '');
      if (file === 'good.json') res.end(GOOD);
      else if (file === 'tampered.json') res.end(Buffer.from('{"official": false}\n'));
      else if (file === 'bundle.zip') res.end(ZIP);
      else if (file === 'silent.json') return; // no answer at all: the timeout must end it
      else if (file === 'trickle.json') {
        res.writeHead(200);
        res.write(GOOD.subarray(0, 5)); // part of the body, then nothing more
      }
      else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-reference-'));
    requests.clear();
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function manifest(...files: Manifest['files']): Manifest {
    return { baseUrl: BASE, files };
  }

  it('fetches a file whose bytes match its SHA-256, and leaves it alone once it is there', async () => {
    const m = manifest(entry('wnm/good.json', 'good.json', GOOD));
    const first = await fetchReference(m, { dir, baseUrl: base });
    assert.deepEqual(first, { fetched: ['wnm/good.json'], present: [], failed: [] });
    assert.deepEqual(fs.readFileSync(path.join(dir, 'wnm', 'good.json')), GOOD);
    const second = await fetchReference(m, { dir, baseUrl: base });
    assert.deepEqual(second, { fetched: [], present: ['wnm/good.json'], failed: [] });
    assert.equal(requests.get(`/wmo-im/example/${COMMIT}/good.json`), 1, 'not downloaded again');
    assert.deepEqual(filesIn(dir), [path.join('wnm', 'good.json')]);
  });

  it('refuses bytes whose SHA-256 differs from the manifest, and writes nothing', async () => {
    const m = manifest(entry('wnm/tampered.json', 'tampered.json', GOOD));
    const r = await fetchReference(m, { dir, baseUrl: base });
    assert.deepEqual(r.fetched, []);
    assert.equal(r.failed.length, 1);
    assert.match(r.failed[0].error, /^refused: .*tampered\.json has SHA-256 [0-9a-f]{64}, the manifest pins [0-9a-f]{64}$/);
    assert.ok(r.failed[0].error.includes(sha256(GOOD)));
    assert.deepEqual(filesIn(dir), [], 'no file, no temporary file');
  });

  it('keeps a local file that does not match only until verified bytes replace it', async () => {
    fs.mkdirSync(path.join(dir, 'wnm'));
    fs.writeFileSync(path.join(dir, 'wnm', 'good.json'), 'edited by hand');
    const refused = await fetchReference(manifest(entry('wnm/good.json', 'tampered.json', GOOD)), { dir, baseUrl: base });
    assert.equal(refused.failed.length, 1);
    assert.equal(fs.readFileSync(path.join(dir, 'wnm', 'good.json'), 'utf8'), 'edited by hand', 'a refused download overwrites nothing');
    const r = await fetchReference(manifest(entry('wnm/good.json', 'good.json', GOOD)), { dir, baseUrl: base });
    assert.deepEqual(r.fetched, ['wnm/good.json']);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'wnm', 'good.json')), GOOD);
    assert.deepEqual(filesIn(dir), [path.join('wnm', 'good.json')]);
  });

  it('reports an HTTP 404 with the URL, and writes nothing', async () => {
    const r = await fetchReference(manifest(entry('wnm/gone.json', 'gone.json', GOOD)), { dir, baseUrl: base });
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0].error, `${base}/wmo-im/example/${COMMIT}/gone.json answered HTTP 404`);
    assert.deepEqual(filesIn(dir), []);
  });

  it('says why when no server answers at all, and writes nothing', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await fetchReference(manifest(entry('wnm/good.json', 'good.json', GOOD)), { dir, baseUrl: `http://127.0.0.1:${port}` });
    assert.match(r.failed[0]?.error ?? '', /^cannot fetch http:\/\/127\.0\.0\.1:\d+\/\S+good\.json: fetch failed \(ECONNREFUSED\)$/);
    assert.deepEqual(filesIn(dir), []);
  });

  it('gives up on a server that does not answer, or stops in the middle, after the timeout, and writes nothing', async () => {
    for (const [name, reason] of [['silent.json', /^no answer from http:\S+\/silent\.json within 300 ms$/], ['trickle.json', /^http:\S+\/trickle\.json stopped sending within 300 ms$/]] as const) {
      const started = Date.now();
      const r = await fetchReference(manifest(entry(`wnm/${name}`, name, GOOD)), { dir, baseUrl: base, timeoutMs: 300 });
      const took = Date.now() - started;
      assert.equal(r.failed.length, 1);
      assert.match(r.failed[0].error, reason);
      assert.ok(took >= 250 && took < 5000, `took ${took} ms`);
      assert.deepEqual(filesIn(dir), []);
    }
  });

  it('takes files out of a zip archive, stored or deflated, downloading the archive once', async () => {
    const m = manifest(entry('wth/a.csv', 'bundle.zip', CSV_A, 'a.csv'), entry('wth/b.csv', 'bundle.zip', CSV_B, 'b.csv'));
    const r = await fetchReference(m, { dir, baseUrl: base });
    assert.deepEqual(r.failed, []);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'wth', 'a.csv')), CSV_A);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'wth', 'b.csv')), CSV_B);
    assert.equal(requests.get(`/wmo-im/example/${COMMIT}/bundle.zip`), 1);
    const missing = await fetchReference(manifest(entry('wth/c.csv', 'bundle.zip', CSV_B, 'c.csv')), { dir, baseUrl: base });
    assert.equal(missing.failed[0]?.error, 'no c.csv in the archive');
  });

  it('one failure does not stop the others', async () => {
    const m = manifest(entry('a/gone.json', 'gone.json', GOOD), entry('a/good.json', 'good.json', GOOD), entry('a/tampered.json', 'tampered.json', GOOD));
    const r = await fetchReference(m, { dir, baseUrl: base, concurrency: 1 });
    assert.deepEqual(r.fetched, ['a/good.json']);
    assert.deepEqual(r.failed.map((f) => f.path), ['a/gone.json', 'a/tampered.json']);
  });

  it('as a command: exit 1 and the reason when a file is not there, 0 once all are, 64 on a usage error', async () => {
    const file = path.join(dir, 'manifest.json');
    const target = path.join(dir, 'ref');
    fs.writeFileSync(file, JSON.stringify(manifest(entry('wnm/good.json', 'good.json', GOOD), entry('wnm/gone.json', 'gone.json', GOOD))));
    const lines: string[] = [];
    const env = { WIS2_REFERENCE_BASE_URL: base, WIS2_REFERENCE_DIR: target };
    assert.equal(await main(['--manifest', file, '--timeout', '2000'], env, (l) => lines.push(l)), 1);
    assert.ok(lines.includes('fetched wnm/good.json (19 bytes)'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('FAILED wnm/gone.json: ') && l.endsWith('answered HTTP 404')), lines.join('\n'));
    assert.equal(lines.at(-1), `2 reference files in ${target}: 1 fetched, 0 already there, 1 failed`);
    fs.writeFileSync(file, JSON.stringify(manifest(entry('wnm/good.json', 'good.json', GOOD))));
    lines.length = 0;
    assert.equal(await main(['--manifest', file, '--dir', target, '--base-url', base], {}, (l) => lines.push(l)), 0);
    assert.equal(lines.at(-1), `1 reference files in ${target}: 0 fetched, 1 already there, 0 failed`);
    assert.equal(await main(['--timeout', 'soon'], {}, () => undefined), 64);
    assert.equal(await main(['--dir'], {}, () => undefined), 64);
  });

  it('refuses a manifest entry that would write outside the reference folder', () => {
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, JSON.stringify(manifest({ ...entry('x.json', 'good.json', GOOD), path: '../outside.json' })));
    assert.throws(() => readManifest(file), /not a plain relative path/);
  });
});

describe('reference.manifest.json', () => {
  const m = readManifest(MANIFEST_FILE);

  it('pins every file: a raw URL at a full commit hash and a SHA-256, one entry per path', () => {
    assert.equal(m.baseUrl, BASE);
    assert.ok(m.files.length >= 60, `${m.files.length} files`);
    for (const f of m.files) assert.match(f.url, /^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[0-9a-f]{40}\/\S+$/, f.path);
    assert.equal(new Set(m.files.map((f) => f.path)).size, m.files.length);
  });

  describe('against the reference data found', () => {
    before(function () {
      needReference(this);
    });

    it('gives the SHA-256 of every file there', () => {
      let compared = 0;
      for (const f of m.files) {
        const file = reference(f.path);
        if (!fs.existsSync(file)) continue;
        assert.equal(sha256(fs.readFileSync(file)), f.sha256, f.path);
        compared++;
      }
      assert.ok(compared > 0);
    });
  });
});
