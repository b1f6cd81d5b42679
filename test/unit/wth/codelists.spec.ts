import assert from 'node:assert/strict';
import {
  CENTRE_IDS,
  CHANNELS,
  DATA_POLICIES,
  NOTIFICATION_TYPES,
  RENAMED_TOPICS,
  SNAPSHOT,
  SYSTEMS,
  VERSIONS,
} from '../../../nodes/lib/wth/codelists';
import { DISCIPLINES, allTopicPaths, findTopic, parseDisciplineTree } from '../../../nodes/lib/wth/hierarchy';
import { needReference } from '../../helpers/reference';
import { WTH_CODELISTS, officialCodelist, parseCsv } from './csv';

function difference(a: Iterable<string>, b: Iterable<string>): string[] {
  const other = new Set(b);
  return [...a].filter((x) => !other.has(x)).sort();
}

describe('WTH codelist snapshot', () => {
  it('dates itself and names the standard version it reflects', () => {
    assert.equal(SNAPSHOT.version, '1.3.0');
    assert.match(SNAPSHOT.bundleDate, /^\d{4}-\d{2}-\d{2}$/);
  });

  describe('agrees with the official CSVs', () => {
    before(function () {
      needReference(this, WTH_CODELISTS);
    });

    it('every centre id, with its status', () => {
      const official = officialCodelist('centre-id');
      const ours = Object.keys(CENTRE_IDS);
      assert.deepEqual(difference(official.map((r) => r.Name ?? ''), ours), [], 'missing from our snapshot');
      assert.deepEqual(difference(ours, official.map((r) => r.Name ?? '')), [], 'not in the official register');
      for (const row of official) {
        assert.equal(CENTRE_IDS[row.Name ?? ''], row.Status, `status of ${row.Name ?? ''}`);
      }
      assert.equal(ours.length, 167);
    });

    it('every earth-system-discipline path', () => {
      const official = officialCodelist('earth-system-discipline').map((r) => r.Name ?? '');
      const ours = allTopicPaths();
      assert.equal(new Set(ours).size, ours.length, 'no path twice');
      assert.deepEqual(difference(official, ours), [], 'missing from our snapshot');
      assert.deepEqual(difference(ours, official), [], 'not in the official tree');
      // The official list repeats weather/space-based-observations/goes-14/imager (the GOES
      // Imager and Sounder rows of its satellite table share an instrument name).
      assert.equal(official.length, 1309);
      assert.equal(ours.length, 1308);
    });

    it('topic statuses, wherever the official list carries them', () => {
      // The bundle's flattened tree has a Name column only; compare the day it grows a Status.
      for (const row of officialCodelist('earth-system-discipline')) {
        if (row.Status === undefined || row.Status === '') continue;
        assert.equal(findTopic(row.Name ?? '')?.status, row.Status, `status of ${row.Name ?? ''}`);
      }
    });

    it('the fixed levels: channel, version, system, notification type, data policy', () => {
      const names = (file: string): string[] => officialCodelist(file).map((r) => r.Name ?? '');
      assert.deepEqual([...CHANNELS], names('channel'));
      assert.deepEqual([...VERSIONS], names('version'));
      assert.deepEqual([...SYSTEMS], names('system'));
      assert.deepEqual([...NOTIFICATION_TYPES], names('notification-type'));
      assert.deepEqual([...DATA_POLICIES], names('data-policy'));
    });

    it('the disciplines are the seven of the standard', () => {
      assert.deepEqual([...DISCIPLINES.keys()].sort(), ['atmospheric-composition', 'climate', 'cryosphere', 'hydrology', 'ocean', 'space-weather', 'weather']);
      for (const name of DISCIPLINES.keys()) assert.ok(findTopic(`${name}/experimental`)?.experimental, `${name}/experimental`);
    });
  });

  describe('statuses from the per-level codelists', () => {
    it('the Argo branch is operational', () => {
      assert.equal(findTopic('ocean/surface-based-observations/drifting-ocean-profilers')?.status, 'Operational');
    });
    it('experimental branches pass their status to their children', () => {
      assert.equal(findTopic('hydrology/surface-based-observations/water-quantity/stream')?.status, 'Experimental');
      assert.equal(findTopic('atmospheric-composition/observations/gases/ozone')?.status, 'Experimental');
      assert.equal(findTopic('weather/surface-based-observations/weather-radar')?.status, 'Experimental');
      assert.equal(findTopic('weather/surface-based-observations/synop')?.status, 'Operational');
      assert.equal(findTopic('hydrology/experimental')?.status, 'Operational');
    });
  });

  it('renamed topics point at topics that exist, from topics that do not', () => {
    for (const [old, replacement] of Object.entries(RENAMED_TOPICS)) {
      assert.equal(findTopic(old), undefined, old);
      assert.ok(findTopic(replacement), replacement);
    }
  });

  describe('outline format', () => {
    it('reads compact leaves, statuses and nesting', () => {
      const tree = parseDisciplineTree('ocean\n  a[Experimental]: b c[Operational]\n  d\n    e\n');
      const ocean = tree.get('ocean');
      assert.deepEqual([...(ocean?.children.keys() ?? [])], ['a', 'd']);
      const a = ocean?.children.get('a');
      assert.equal(a?.status, 'Experimental');
      assert.equal(a.children.get('b')?.status, 'Experimental');
      assert.equal(a.children.get('c')?.status, 'Operational');
      assert.equal(ocean?.children.get('d')?.children.get('e')?.level, 9);
    });
    it('refuses bad indentation, duplicates and unknown statuses', () => {
      assert.throws(() => parseDisciplineTree('ocean\n   a\n'), /indentation/);
      assert.throws(() => parseDisciplineTree('ocean\n    a\n'), /indentation/);
      assert.throws(() => parseDisciplineTree('ocean\n  a\n  a\n'), /twice/);
      assert.throws(() => parseDisciplineTree('ocean[Maybe]\n'), /status/);
      assert.throws(() => parseDisciplineTree('Ocean\n'), /bad topic/);
    });
  });

  it('the test CSV reader handles quoted commas and a missing final newline', () => {
    assert.deepEqual(parseCsv('Name,Description\na,"x, ""y"""\nb,z'), [
      { Name: 'a', Description: 'x, "y"' },
      { Name: 'b', Description: 'z' },
    ]);
  });
});
