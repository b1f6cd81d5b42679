import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { compareUtc, isoTimestamp, parseRfc3339, toUtcString } from '../../../nodes/lib/core/time';
import { WNM_ID_NAMESPACE, uuidV5 } from '../../../nodes/lib/core/uuid';

describe('isoTimestamp', () => {
  const v8 = (ms: number): string => new Date(ms).toISOString();

  it('writes what Date.prototype.toISOString writes, from 1970 to 9999', () => {
    const edges = [0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_399_999, 951_782_400_000, 951_868_800_000, 4_107_542_400_000, 253_402_300_799_999];
    for (const ms of edges) assert.equal(isoTimestamp(ms), v8(ms), String(ms));
    // the first and last millisecond of every day of four centuries' worth of leap rules
    for (let day = Date.UTC(1999, 11, 1) / 86_400_000; day < Date.UTC(2401, 2, 1) / 86_400_000; day += 1) {
      const ms = day * 86_400_000;
      assert.equal(isoTimestamp(ms), v8(ms));
      assert.equal(isoTimestamp(ms + 86_399_999), v8(ms + 86_399_999));
    }
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      const ms = Math.floor((seed / 2_147_483_648) * 253_402_300_800_000);
      assert.equal(isoTimestamp(ms), v8(ms), String(ms));
    }
  });

  it('leaves other instants to V8, and throws as it does on no instant', () => {
    for (const ms of [-1, -62_167_219_200_000, 253_402_300_800_000, 8.64e15, 1.5]) assert.equal(isoTimestamp(ms), v8(ms), String(ms));
    assert.throws(() => isoTimestamp(Number.NaN), RangeError);
    assert.throws(() => isoTimestamp(8.64e15 + 1), RangeError);
  });
});

describe('RFC 3339 date-times', () => {
  it('keeps a UTC value and every fractional digit', () => {
    assert.equal(toUtcString('2024-11-09T21:08:00.000000Z'), '2024-11-09T21:08:00.000000Z');
    assert.equal(toUtcString('2022-03-20T04:50:18.314854383Z'), '2022-03-20T04:50:18.314854383Z');
  });

  it('normalises offsets, lower-case t/z and +00:00 to Z', () => {
    assert.equal(toUtcString('2024-11-09T23:08:00.5+02:00'), '2024-11-09T21:08:00.5Z');
    assert.equal(toUtcString('2024-01-01t00:30:00-01:00'), '2024-01-01T01:30:00Z');
    assert.equal(toUtcString('2024-12-31T23:59:59+00:00'), '2024-12-31T23:59:59Z');
    assert.equal(toUtcString('2024-03-01T00:00:00z'), '2024-03-01T00:00:00Z');
  });

  it('crosses a leap day and a leap second correctly', () => {
    assert.equal(toUtcString('2024-03-01T01:00:00+02:00'), '2024-02-29T23:00:00Z');
    assert.equal(toUtcString('2016-12-31T23:59:60Z'), '2016-12-31T23:59:60Z');
    assert.equal(toUtcString('2017-01-01T00:59:60+01:00'), '2016-12-31T23:59:60Z');
  });

  it('refuses what RFC 3339 refuses', () => {
    for (const bad of [
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00',
      '2024-01-01 00:00:00Z',
      '2024-01-01T00:00Z',
      '2024-01-01T00:00:00+2:00',
      '2024-01-01T00:00:00+24:00',
      '20240101T000000Z',
      'yesterday',
    ]) {
      assert.equal(parseRfc3339(bad), undefined, bad);
      assert.equal(toUtcString(bad), undefined, bad);
    }
  });

  it('refuses a date-time with a character other than a digit in any of its fields', () => {
    const good = '2024-01-01T00:00:00Z';
    for (const at of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) {
      for (const c of ['a', ' ', '/', ':', '-']) {
        const bad = good.slice(0, at) + c + good.slice(at + 1);
        assert.equal(parseRfc3339(bad), undefined, bad);
      }
    }
    assert.equal(parseRfc3339(good)?.second, 0);
  });

  it('does not convert -00:00, which says the offset is unknown', () => {
    assert.equal(parseRfc3339('2024-01-01T00:00:00-00:00')?.offsetMinutes, null);
    assert.equal(toUtcString('2024-01-01T00:00:00-00:00'), undefined);
  });

  it('orders UTC strings with different fraction lengths', () => {
    assert.equal(compareUtc('2024-01-01T00:00:00.5Z', '2024-01-01T00:00:00.50Z'), 0);
    assert.equal(compareUtc('2024-01-01T00:00:00Z', '2024-01-01T00:00:00.001Z'), -1);
    assert.equal(compareUtc('2024-01-02T00:00:00Z', '2024-01-01T23:59:59.999Z'), 1);
  });
});

describe('UUID v5', () => {
  it('matches the RFC 9562 test vector', () => {
    // RFC 9562 appendix A.4: DNS namespace, "www.example.com"
    assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is stable for a name and differs between names', () => {
    assert.equal(uuidV5('a'), uuidV5('a'));
    assert.notEqual(uuidV5('a'), uuidV5('b'));
    assert.match(uuidV5('a'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('hashes the name as UTF-8 after the namespace bytes, whatever the characters', () => {
    const ns = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
    for (const name of ['', 'é🌊', '["src","id","https://h/x.nc","origin/a/wis2/x"]', 'x'.repeat(5000)]) {
      assert.equal(uuidV5(name, ns), createUuid(ns, name), name.slice(0, 20));
    }
    assert.throws(() => uuidV5('a', 'not-a-uuid'), TypeError);
  });

  it('hashes each call under its own namespace when calls alternate between namespaces', () => {
    // RFC 9562 vectors (DNS and URL namespaces) around names of the default namespace
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    const url = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
    const ownA = uuidV5('a');
    for (let round = 0; round < 3; round++) {
      assert.equal(uuidV5('www.example.com', dns), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
      assert.equal(uuidV5('a'), ownA);
      assert.equal(uuidV5('https://www.example.com/', url), createUuid(url, 'https://www.example.com/'));
      assert.equal(uuidV5('a', url), createUuid(url, 'a'));
      assert.equal(uuidV5('a'), createUuid(WNM_ID_NAMESPACE, 'a'));
    }
  });
});

/** A version 5 UUID written out from node:crypto's SHA-1, to compare with. */
function createUuid(namespace: string, name: string): string {
  const h = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
