import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PublishedLog, readPublished, republished } from '../../../nodes/lib/reliability/published-log';
import { cleanup, tempDir } from './helpers';

describe('notifications kept for replay', () => {
  afterEach(cleanup);

  it('one file per UTC day, read back by window, older days deleted, torn lines skipped', async () => {
    const dir = tempDir('wis2-published-');
    let now = new Date('2026-11-20T23:59:00Z');
    const log = new PublishedLog(dir, 7, () => now);
    log.append('origin/a/wis2/x', Buffer.from('{"id":"a","properties":{}}'));
    now = new Date('2026-11-21T00:01:00Z');
    log.append('origin/a/wis2/x', Buffer.from('{"id":"b","properties":{}}'));
    fs.appendFileSync(path.join(dir, '2026-11-21.jsonl'), '{"at":"2026-11-21T00:02:00Z","top');
    now = new Date('2026-11-28T12:00:00Z');
    log.append('origin/a/wis2/x', Buffer.from('{"id":"c","properties":{}}'));
    log.close();
    assert.deepEqual(fs.readdirSync(dir).sort(), ['2026-11-21.jsonl', '2026-11-28.jsonl'], 'the 20th is past 7 days');
    const got: string[] = [];
    for await (const r of readPublished(dir, new Date('2026-11-21T00:00:00Z'), new Date('2026-11-29T00:00:00Z'))) got.push(r.payload);
    assert.deepEqual(got.map((p) => (JSON.parse(p) as { id: string }).id), ['b', 'c']);
    const again = JSON.parse(republished('{"id":"b","properties":{"pubtime":"x","data_id":"d"}}', 'new', now) ?? '{}') as { id: string; properties: Record<string, string> };
    assert.deepEqual(again, { id: 'new', properties: { pubtime: '2026-11-28T12:00:00.000Z', data_id: 'd' } });
    assert.equal(republished('not json', 'n', now), undefined);
  });

  it('deferred: holds lines until flush, a new day or close, and writes each in its day, in order', async () => {
    const dir = tempDir('wis2-published-');
    let now = new Date('2026-11-20T23:59:00Z');
    const log = new PublishedLog(dir, 7, () => now, true);
    const writes: number[] = [];
    const write = fs.writeSync;
    const ids = async (day: string): Promise<string[]> => {
      const got: string[] = [];
      for await (const r of readPublished(dir, new Date(`${day}T00:00:00Z`), new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000))) got.push((JSON.parse(r.payload) as { id: string }).id);
      return got;
    };
    fs.writeSync = ((fd: number, ...rest: unknown[]) => {
      writes.push(fd);
      return (write as (...a: unknown[]) => number)(fd, ...rest);
    });
    try {
      for (const id of ['a', 'b', 'c']) log.append('origin/a/wis2/x', Buffer.from(`{"id":"${id}"}`));
      assert.deepEqual(await ids('2026-11-20'), [], 'nothing written before flush');
      log.flush();
      assert.equal(writes.length, 1, 'three lines in one write');
      assert.deepEqual(await ids('2026-11-20'), ['a', 'b', 'c']);
      log.flush();
      assert.equal(writes.length, 1, 'nothing held, nothing written');
      log.append('origin/a/wis2/x', Buffer.from('{"id":"d"}'));
      now = new Date('2026-11-21T00:00:01Z');
      log.append('origin/a/wis2/x', Buffer.from('{"id":"e"}'));
      assert.deepEqual(await ids('2026-11-20'), ['a', 'b', 'c', 'd'], 'a new day writes what the old one held');
      log.close();
      assert.deepEqual(await ids('2026-11-21'), ['e'], 'close writes what is held');
    } finally {
      fs.writeSync = write;
    }
  });

  it('records of one millisecond share its time stamp; after close, or a folder it could not open, the next record opens its file again', async () => {
    const base = tempDir('wis2-published-');
    const dir = path.join(base, 'published');
    // a file where the folder should be: the day's file cannot be opened
    fs.writeFileSync(dir, '');
    let now = new Date('2026-11-20T10:00:00.123Z');
    const log = new PublishedLog(dir, 7, () => now, true);
    assert.throws(() => { log.append('origin/a/wis2/x', Buffer.from('{"id":"a"}')); }, /EEXIST|ENOTDIR/);
    fs.rmSync(dir);
    log.append('origin/a/wis2/x', Buffer.from('{"id":"b"}'));
    log.append('origin/a/wis2/x', Buffer.from('{"id":"c"}'));
    log.close();
    log.append('origin/a/wis2/x', Buffer.from('{"id":"d"}'));
    now = new Date('2026-11-20T10:00:00.124Z');
    log.append('origin/a/wis2/x', Buffer.from('{"id":"e"}'));
    log.close();
    const got: string[] = [];
    for await (const r of readPublished(dir, new Date('2026-11-20T00:00:00Z'))) got.push(`${(JSON.parse(r.payload) as { id: string }).id} ${r.at.toISOString()}`);
    assert.deepEqual(got, ['b 2026-11-20T10:00:00.123Z', 'c 2026-11-20T10:00:00.123Z', 'd 2026-11-20T10:00:00.123Z', 'e 2026-11-20T10:00:00.124Z']);
  });
  it('JSON text its producer vouches for is kept as its line\'s message and read back byte for byte; a line break, or no word from the producer, keeps the string form', async () => {
    const dir = tempDir('wis2-published-');
    const now = new Date('2026-11-20T10:00:00.000Z');
    const log = new PublishedLog(dir, 7, () => now, true);
    // escapes, a raw U+2028, text outside ASCII, spaces between tokens, numbers as written
    const texts = [
      '{"id":"a","properties":{"title":"quote \\" and backslash \\\\ and \\n"}}',
      `{"id":"b","properties":{"title":"été \u2028 🌊"}}`,
      '{ "id" : "c", "n" : 1.50, "e" : 1E3 }',
      'null',
      '{\n  "id": "d"\n}',
      '{"id":"e"}\r',
    ];
    for (const t of texts) log.append('origin/a/wis2/x', Buffer.from(t, 'utf8'), true);
    log.append('origin/a/wis2/x', Buffer.from('{"id":"f"}'));
    // a topic needing escapes
    log.append('origin/a/wis2/"x"', Buffer.from('{"id":"g"}'), true);
    log.close();
    const file = path.join(dir, '2026-11-20.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 8);
    assert.deepEqual(
      lines.map((l) => Object.keys(JSON.parse(l) as object).join(',')),
      ['at,topic,message', 'at,topic,message', 'at,topic,message', 'at,topic,message', 'at,topic,payload', 'at,topic,payload', 'at,topic,payload', 'at,topic,message'],
    );
    assert.equal(lines[0], `{"at":"2026-11-20T10:00:00.000Z","topic":"origin/a/wis2/x","message":${texts[0] ?? ''}}`);
    // a line laid out otherwise gives its message's compact JSON; a torn one is skipped
    fs.appendFileSync(file, '{"topic":"origin/a/wis2/y","at":"2026-11-20T10:00:01Z","message":{ "id" : "h" }}\n');
    fs.appendFileSync(file, '{"at":"2026-11-20T10:00:02Z","topic":"origin/a/wis2/x","message":{"id":"i","pro');
    const got: { topic: string; payload: string }[] = [];
    for await (const r of readPublished(dir, new Date('2026-11-20T00:00:00Z'))) got.push({ topic: r.topic, payload: r.payload });
    assert.deepEqual(got, [
      ...texts.map((payload) => ({ topic: 'origin/a/wis2/x', payload })),
      { topic: 'origin/a/wis2/x', payload: '{"id":"f"}' },
      { topic: 'origin/a/wis2/"x"', payload: '{"id":"g"}' },
      { topic: 'origin/a/wis2/y', payload: '{"id":"h"}' },
    ]);
  });

  it('a line a kill cut short does not take the next record with it: the file goes on from a new line', async () => {
    const dir = tempDir('wis2-published-');
    const file = path.join(dir, '2026-11-20.jsonl');
    fs.writeFileSync(file, '{"at":"2026-11-20T09:00:00.000Z","topic":"origin/a/wis2/x","message":{"id":"a"}}\n{"at":"2026-11-20T09:00:01.000Z","topic":"origin/a/wis2/x","mess');
    const log = new PublishedLog(dir, 7, () => new Date('2026-11-20T10:00:00.000Z'), true);
    log.append('origin/a/wis2/x', Buffer.from('{"id":"b"}'), true);
    log.append('origin/a/wis2/x', Buffer.from('{"id":"c"}'));
    log.close();
    // a file that ends its last line, or an empty one, gets no empty line
    const again = new PublishedLog(dir, 7, () => new Date('2026-11-20T11:00:00.000Z'), true);
    again.append('origin/a/wis2/x', Buffer.from('{"id":"d"}'), true);
    again.close();
    fs.writeFileSync(path.join(dir, '2026-11-21.jsonl'), '');
    const next = new PublishedLog(dir, 7, () => new Date('2026-11-21T00:00:00.000Z'));
    next.append('origin/a/wis2/x', Buffer.from('{"id":"e"}'), true);
    next.close();
    const got: string[] = [];
    for await (const r of readPublished(dir, new Date('2026-11-20T00:00:00Z'))) got.push((JSON.parse(r.payload) as { id: string }).id);
    assert.deepEqual(got, ['a', 'b', 'c', 'd', 'e']);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 6, 'a, the torn line, b, c, d, and nothing after the last newline');
    assert.equal(fs.readFileSync(path.join(dir, '2026-11-21.jsonl'), 'utf8').split('\n').length, 2);
  });
});
