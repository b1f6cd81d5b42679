import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PublishedLog, readPublished, republished } from '../../../nodes/lib/reliability/published-log';

describe('notifications kept for replay', () => {
  it('one file per UTC day, read back by window, older days deleted, torn lines skipped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-published-'));
    try {
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
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
