import assert from 'node:assert/strict';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { emptyStats, parseIndexStamp, readIndex, type IndexEntry } from '../../../nodes/lib/argo/index-reader';
import { INDEX_HEADER, makeGdac, serveFolder } from '../../helpers/gdac';

const GOOD = 'coriolis/6903580/profiles/R6903580_147.nc,20261114061230,47.339,-24.821,A,846,IF,20261114094107';

/** Each malformed kind, with the code it must be reported with. */
const MALFORMED: [string, string, string][] = [
  ['too few columns', 'coriolis/6903580/profiles/R6903580_148.nc,20261114061230,47.3,-24.8,A,846,20261114094107', 'index.column_count'],
  ['too many columns', `${GOOD},extra`, 'index.column_count'],
  ['empty path', ',20261114061230,47.3,-24.8,A,846,IF,20261114094107', 'index.empty_path'],
  ['dot-dot segment', 'coriolis/../../etc/passwd,20261114061230,47.3,-24.8,A,846,IF,20261114094107', 'index.dot_segment'],
  ['dot segment', 'coriolis/./6903580/R6903580_149.nc,20261114061230,47.3,-24.8,A,846,IF,20261114094107', 'index.dot_segment'],
  ['absolute path', '/coriolis/6903580/profiles/R6903580_150.nc,20261114061230,47.3,-24.8,A,846,IF,20261114094107', 'index.absolute_path'],
  ['another host (URL)', 'https://evil.example/dac/aoml/1/profiles/R1_001.nc,20261114061230,47.3,-24.8,A,846,IF,20261114094107', 'index.foreign_host'],
  ['another host (ftp of another GDAC)', 'ftp://usgodae.org/pub/outgoing/argo/dac/aoml/1/R1_001.nc,20261114061230,47.3,-24.8,A,846,AO,20261114094107', 'index.foreign_host'],
  ['scheme-relative host', '//evil.example/aoml/1/profiles/R1_001.nc,20261114061230,47.3,-24.8,A,846,AO,20261114094107', 'index.foreign_host'],
  ['backslashes', 'coriolis\\6903580\\R6903580_151.nc,20261114061230,47.3,-24.8,A,846,IF,20261114094107', 'index.bad_path'],
  ['space in path', 'coriolis/6903580/profiles/R6903580 152.nc,20261114061230,47.3,-24.8,A,846,IF,20261114094107', 'index.bad_path'],
  ['date_update empty', 'coriolis/6903580/profiles/R6903580_153.nc,20261114061230,47.3,-24.8,A,846,IF,', 'index.bad_date_update'],
  ['date_update ISO', 'coriolis/6903580/profiles/R6903580_154.nc,20261114061230,47.3,-24.8,A,846,IF,2026-11-14T09:41:07Z', 'index.bad_date_update'],
  ['date_update 31 February', 'coriolis/6903580/profiles/R6903580_155.nc,20261114061230,47.3,-24.8,A,846,IF,20260231094107', 'index.bad_date_update'],
  ['date_update hour 25', 'coriolis/6903580/profiles/R6903580_156.nc,20261114061230,47.3,-24.8,A,846,IF,20261114254107', 'index.bad_date_update'],
  ['date too short', 'coriolis/6903580/profiles/R6903580_157.nc,202611140612,47.3,-24.8,A,846,IF,20261114094107', 'index.bad_date'],
  ['date month 13', 'coriolis/6903580/profiles/R6903580_158.nc,20261314061230,47.3,-24.8,A,846,IF,20261114094107', 'index.bad_date'],
  ['latitude 91', 'coriolis/6903580/profiles/R6903580_159.nc,20261114061230,91.5,-24.8,A,846,IF,20261114094107', 'index.bad_coordinate'],
  ['longitude 181', 'coriolis/6903580/profiles/R6903580_160.nc,20261114061230,47.3,181.2,A,846,IF,20261114094107', 'index.bad_coordinate'],
  ['latitude not a number', 'coriolis/6903580/profiles/R6903580_161.nc,20261114061230,N47,-24.8,A,846,IF,20261114094107', 'index.bad_coordinate'],
  ['longitude NaN', 'coriolis/6903580/profiles/R6903580_162.nc,20261114061230,47.3,NaN,A,846,IF,20261114094107', 'index.bad_coordinate'],
  ['latitude without longitude', 'coriolis/6903580/profiles/R6903580_163.nc,20261114061230,47.3,,A,846,IF,20261114094107', 'index.bad_coordinate'],
  ['unknown ocean', 'coriolis/6903580/profiles/R6903580_164.nc,20261114061230,47.3,-24.8,X,846,IF,20261114094107', 'index.bad_ocean'],
  ['profiler type not a number', 'coriolis/6903580/profiles/R6903580_165.nc,20261114061230,47.3,-24.8,A,APEX,IF,20261114094107', 'index.bad_profiler_type'],
  ['institution lower case', 'coriolis/6903580/profiles/R6903580_166.nc,20261114061230,47.3,-24.8,A,846,ifr,20261114094107', 'index.bad_institution'],
  ['control character', `coriolis/6903580/profiles/R6903580_167.nc,20261114061230,47.3,-24.8,A,846,IF,20261114094107\u0007`, 'index.bad_characters'],
  ['empty line', '', 'index.empty_line'],
  ['line too long', `coriolis/6903580/profiles/R6903580_168.nc,${'9'.repeat(5000)},47.3,-24.8,A,846,IF,20261114094107`, 'index.line_too_long'],
];

async function collect(source: string, options: Parameters<typeof readIndex>[2] = {}): Promise<{ entries: IndexEntry[]; stats: ReturnType<typeof emptyStats> }> {
  const stats = emptyStats();
  const entries: IndexEntry[] = [];
  for await (const e of readIndex(source, stats, options)) entries.push(e);
  return { entries, stats };
}

describe('Argo GDAC index reader', () => {
  let gdac: ReturnType<typeof makeGdac>;
  beforeEach(() => {
    gdac = makeGdac(3);
  });
  afterEach(() => {
    gdac.close();
  });

  it('reads stamps as UTC and refuses impossible ones', () => {
    assert.equal(parseIndexStamp('20261114094107')?.toISOString(), '2026-11-14T09:41:07.000Z');
    assert.equal(parseIndexStamp('20240229000000')?.toISOString(), '2024-02-29T00:00:00.000Z');
    assert.equal(parseIndexStamp('20230229000000'), undefined);
    assert.equal(parseIndexStamp('19010101000000'), undefined);
  });

  it(`counts and reports ${MALFORMED.length} kinds of malformed lines with their line numbers, and reads the good lines around them`, async () => {
    fs.writeFileSync(gdac.indexPath, [...INDEX_HEADER, GOOD, ...MALFORMED.map((m) => m[1]), GOOD.replace('_147', '_200')].join('\n') + '\n');
    const { entries, stats } = await collect(gdac.indexPath);
    assert.deepEqual(entries.map((e) => e.file), ['coriolis/6903580/profiles/R6903580_147.nc', 'coriolis/6903580/profiles/R6903580_200.nc']);
    assert.equal(stats.bad, MALFORMED.length);
    assert.equal(stats.entries, 2);
    assert.equal(stats.indexDate?.toISOString(), '2026-12-01T12:00:00.000Z');
    const firstData = INDEX_HEADER.length + 1;
    for (const [i, [kind, , code]] of MALFORMED.entries()) {
      const reported = stats.badLines[i];
      assert.ok(reported, kind);
      assert.equal(reported.line, firstData + 1 + i, kind);
      assert.equal(reported.code, code, `${kind}: ${reported.message}`);
    }
    assert.equal(entries[1]?.line, firstData + 1 + MALFORMED.length);
  });

  it('reads a header row it does not know as a bad line and stops there, without throwing', async () => {
    fs.writeFileSync(gdac.indexPath, [...INDEX_HEADER.slice(0, 8), 'file,date,lat', GOOD].join('\n'));
    const { entries, stats } = await collect(gdac.indexPath);
    assert.equal(entries.length, 0);
    assert.equal(stats.badLines[0]?.code, 'index.bad_header');
  });

  it('takes fill values and empty positions as no position, and reads other indexes by their header row', async () => {
    const meta = ['# Title : Metadata directory file', 'file,profiler_type,institution,date_update', 'coriolis/6903580/6903580_meta.nc,846,IF,20261114094107'];
    fs.writeFileSync(gdac.indexPath, [...INDEX_HEADER, GOOD.replace('47.339,-24.821', '99999,-999.999'), GOOD.replace('47.339,-24.821', ',')].join('\n'));
    const prof = await collect(gdac.indexPath);
    assert.deepEqual(prof.entries.map((e) => e.latitude), [undefined, undefined]);
    fs.writeFileSync(gdac.indexPath, meta.join('\r\n'));
    const m = await collect(gdac.indexPath);
    assert.equal(m.stats.bad, 0);
    assert.equal(m.entries[0]?.file, 'coriolis/6903580/6903580_meta.nc');
    assert.equal(m.entries[0]?.date, undefined);
  });

  it('yields only the files whose date_update is in the window', async () => {
    const { entries, stats } = await collect(gdac.indexPath, { since: new Date('2026-11-30T00:01:00Z'), until: new Date('2026-11-30T00:02:00Z') });
    assert.deepEqual(entries.map((e) => e.file), [gdac.files[1]?.file]);
    assert.equal(stats.entries, 3);
    assert.equal(stats.inWindow, 1);
  });

  it('reads the same index gzipped, from a file and over HTTP, whatever its name', async () => {
    const plain = fs.readFileSync(gdac.indexPath);
    fs.writeFileSync(`${gdac.indexPath}.gz`, gzipSync(plain));
    fs.writeFileSync(`${gdac.root}/renamed.txt`, gzipSync(plain));
    const server = await serveFolder(gdac.root);
    try {
      const expected = gdac.files.map((f) => f.file);
      for (const source of [gdac.indexPath, `${gdac.indexPath}.gz`, `${gdac.root}/renamed.txt`, `${server.url}ar_index_global_prof.txt`, `${server.url}ar_index_global_prof.txt.gz`]) {
        const { entries, stats } = await collect(source);
        assert.deepEqual(entries.map((e) => e.file), expected, source);
        assert.equal(stats.bad, 0, source);
      }
      await assert.rejects(collect(`${server.url}missing.txt`), /HTTP 404/);
    } finally {
      await server.close();
    }
  });
});
