import assert from 'node:assert/strict';
import { ARGO_PATH_PATTERN, checkHref, expandDataId, resolveDataset, type DatasetConfig } from '../../../nodes/lib/dataset';
import { ARGO, ARGO_TOPIC } from '../../helpers/fixtures';
import { refusal } from '../../helpers/refusal';



describe('WIS2 dataset configuration', () => {
  it('resolves the Argo dataset', () => {
    const ds = resolveDataset(ARGO);
    assert.equal(ds.dataPolicy, 'core');
    assert.equal(ds.baseUrl?.href, 'https://data-argo.ifremer.fr/');
    assert.equal(ds.cache, true);
    assert.deepEqual([...ds.schemes], ['https']);
  });

  it('lets a centre id newer than the codelist snapshot through, with a warning', () => {
    const ds = resolveDataset({ ...ARGO, centreId: 'fr-newcentre', topic: ARGO_TOPIC.replace('fr-ifremer-argo', 'fr-newcentre'), metadataId: 'urn:wmo:md:fr-newcentre:x' });
    assert.equal(ds.warnings.length, 1);
    assert.match(ds.warnings[0] ?? '', /not in the WTH register/);
  });

  it('turns caching off for an experimental topic', () => {
    const ds = resolveDataset({ ...ARGO, topic: 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/experimental/argo-bgc' });
    assert.equal(ds.experimental, true);
    assert.equal(ds.cache, false);
  });

  const bad: [string, Partial<DatasetConfig>, string, RegExp][] = [
    ['a centre id with capitals', { centreId: 'FR-Ifremer' }, 'config.centre_id', /not a WIS2 centre id/],
    ['the swapped core/data levels', { topic: ARGO_TOPIC.replace('data/core', 'core/data') }, 'config.topic', /swapped/],
    ['a topic of another centre', { topic: ARGO_TOPIC.replace('fr-ifremer-argo', 'fr-meteofrance') }, 'config.topic', /centre id/],
    ['a level-7 topic', { topic: 'origin/a/wis2/fr-ifremer-argo/data/core/ocean' }, 'config.topic', /level 8/],
    ['a wildcard topic', { topic: 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/+/x' }, 'config.topic', /wildcard/],
    ['a cache-channel topic', { topic: ARGO_TOPIC.replace('origin/', 'cache/') }, 'config.topic', /publishes on "origin"/],
    ['a renamed topic', { topic: ARGO_TOPIC.replace('drifting-ocean-profilers', 'ocean-profilers') }, 'config.topic', /did you mean .*drifting-ocean-profilers/],
    ['a topic that is not a leaf', { topic: 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations' }, 'config.topic', /leaf/],
    ['a metadata topic', { topic: 'origin/a/wis2/fr-ifremer-argo/metadata' }, 'config.topic', /data/],
    ['a data policy that contradicts the topic', { dataPolicy: 'recommended' }, 'config.data_policy', /differs/],
    ['a metadata id of another centre', { metadataId: 'urn:wmo:md:fr-meteofrance:x' }, 'config.metadata_id', /names centre/],
    ['a metadata id that is not a WCMP2 id', { metadataId: 'argo' }, 'config.metadata_id', /urn:wmo:md/],
    ['an unknown template placeholder', { dataIdTemplate: '{topic}/{wmo}' }, 'config.data_id_template', /\{wmo\}/],
    ['an invalid regular expression', { pathPattern: '(' }, 'config.path_pattern', /regular expression/],
    ['a non-WIS2 scheme', { schemes: ['s3'] }, 'config.schemes', /s3/],
    ['a base URL with credentials', { baseUrl: 'https://u:p@data-argo.ifremer.fr/' }, 'config.base_url', /credentials/],
    ['a base URL with an unaccepted scheme', { baseUrl: 'ftp://ftp.ifremer.fr/ifremer/argo/' }, 'config.base_url', /scheme/],
  ];
  for (const [name, change, code, text] of bad) {
    it(`refuses ${name}`, () => {
      const err = refusal(() => resolveDataset({ ...ARGO, ...change }));
      assert.equal(err.code, code);
      assert.equal(err.stage, 'config');
      assert.match(err.message, text);
    });
  }
});

describe('announced file URLs', () => {
  const ds = resolveDataset(ARGO);
  const at = '/data/assets/f/href';

  it('accepts an Argo profile and gives its path below the base URL', () => {
    const h = checkHref(ds, 'https://data-argo.ifremer.fr/dac/coriolis/7901113/profiles/R7901113_022.nc', at);
    assert.equal(h.path, 'dac/coriolis/7901113/profiles/R7901113_022.nc');
    assert.equal(h.filename, 'R7901113_022.nc');
  });

  const refused: [string, string, string][] = [
    ['http://data-argo.ifremer.fr/dac/coriolis/7901113/profiles/R7901113_022.nc', 'href.scheme', 'plain http when only https is accepted'],
    ['s3://argo-gdac-sandbox/pub/dac/coriolis/7901113/profiles/R7901113_022.nc', 'href.scheme', 'a scheme WIS2 does not allow'],
    ['https://user:pw@data-argo.ifremer.fr/dac/coriolis/7901113/profiles/R7901113_022.nc', 'href.credentials', 'credentials'],
    ['https://data-argo.ifremer.fr/dac/coriolis/7901113/profiles/R7901113_022.nc?sig=1', 'href.query', 'a query'],
    ['https://data-argo.ifremer.fr/dac/coriolis/7901113/profiles/R7901113_022.nc#x', 'href.fragment', 'a fragment'],
    ['https://data-argo.ifremer.fr/dac/coriolis/../../etc/passwd', 'href.dot_segment', 'dot segments'],
    ['https://data-argo.ifremer.fr/dac/coriolis/%2e%2e/x.nc', 'href.dot_segment', 'encoded dot segments'],
    ['https://data-argo.ifremer.fr/dac//coriolis/x.nc', 'href.empty_segment', 'an empty segment'],
    ['https://data-argo.ifremer.fr/dac/coriolis/7901113/', 'href.empty_segment', 'a directory'],
    ['https://data-argo.ifremer.fr\\dac\\coriolis\\x.nc', 'href.invalid', 'backslashes'],
    ['https://data-argo.ifremer.fr/dac/cor\tiolis/x.nc', 'href.invalid', 'a tab the URL parser would drop'],
    ['https://data-argo.ifremer.fr/dac/coriolis/7901113/profiles/R7901113_022.nc%', 'href.invalid', 'a broken percent-escape'],
    ['/dac/coriolis/7901113/profiles/R7901113_022.nc', 'href.not_absolute', 'a relative reference'],
    ['https://evil.example/dac/coriolis/7901113/profiles/R7901113_022.nc', 'href.outside_base', 'another host'],
    ['https://data-argo.ifremer.fr.evil.example/dac/coriolis/7901113/profiles/R7901113_022.nc', 'href.outside_base', 'a look-alike host'],
    ['https://data-argo.ifremer.fr/dac/coriolis/7901113/profiles/R7901113_022.nc.tmp', 'href.path_pattern', 'a temporary file'],
  ];
  for (const [href, code, what] of refused) {
    it(`refuses ${what} (${code})`, () => {
      const err = refusal(() => checkHref(ds, href, at));
      assert.equal(err.code, code, href);
      assert.equal(err.path, at);
    });
  }

  it('checks the base URL by path segment, not by string prefix', () => {
    const narrow = resolveDataset({ ...ARGO, baseUrl: 'https://data-argo.ifremer.fr/dac', pathPattern: '' });
    assert.equal(checkHref(narrow, 'https://data-argo.ifremer.fr/dac/x.nc', at).path, 'x.nc');
    assert.equal(refusal(() => checkHref(narrow, 'https://data-argo.ifremer.fr/dacx/x.nc', at)).code, 'href.outside_base');
  });

  it('accepts ftp and sftp only when the dataset lists them', () => {
    const ftp = resolveDataset({ ...ARGO, baseUrl: '', pathPattern: '', schemes: ['https', 'ftp'] });
    assert.equal(checkHref(ftp, 'ftp://ftp.ifremer.fr/ifremer/argo/dac/x.nc', at).path, 'ifremer/argo/dac/x.nc');
  });
});

describe('the Argo path pattern', () => {
  const re = new RegExp(`^(?:${ARGO_PATH_PATTERN})$`);
  const good = [
    'dac/coriolis/7901113/profiles/R7901113_022.nc',
    'dac/coriolis/7901113/profiles/R7901113_000D.nc',
    'dac/coriolis/6903240/profiles/BD6903240_123.nc',
    'dac/coriolis/6903240/profiles/SR6903240_1234.nc',
    'dac/aoml/13857/profiles/D13857_001.nc',
    'dac/aoml/13857/13857_meta.nc',
    'dac/kiost/1234567/1234567_Sprof.nc',
    'dac/meds/4902345/4902345_Rtraj.nc',
    'dac/incois/2902345/2902345_BRtraj.nc',
    'aux/coriolis/6903240/6903240_meta_aux.nc',
    'etc/bufr/202503/IOPX01_LFVX_251403.BU',
  ];
  const bad = [
    'dac/unknown/7901113/profiles/R7901113_022.nc',
    'dac/kordi/7901113/profiles/R7901113_022.nc',
    'dac/coriolis/7901113/profiles/R7901114_022.nc',
    'dac/coriolis/7901113/7901114_meta.nc',
    'dac/coriolis/7901113/profiles/.R7901113_022.nc.tmp',
    'dac/coriolis/7901113/profiles/R7901113_022.nc.part',
    'dac/coriolis/7901113/profiles/R7901113_022.nc~',
    'dac/coriolis/7901113/profiles/R7901113_22.nc',
    'dac/coriolis/790/profiles/R790_022.nc',
    'dac/coriolis/7901113/profiles/X7901113_022.nc',
    'etc/bufr/202513/IOPX01_LFVX_251403.BU',
    'ar_index_global_prof.txt',
    'dac/coriolis/7901113/profiles/R7901113_022.nc/../x',
  ];
  for (const p of good) it(`accepts ${p}`, () => { assert.ok(re.test(p)); });
  for (const p of bad) it(`refuses ${p}`, () => { assert.ok(!re.test(p)); });
});

describe('data_id', () => {
  const ctx = { path: 'dac/coriolis/7901113/profiles/R7901113_022.nc', filename: 'R7901113_022.nc', asset: 'R7901113_022.nc', itemId: 'Profile7901113_022A' };

  it('is the topic without origin/a/ followed by the path below the base URL, by default', () => {
    assert.equal(
      expandDataId(resolveDataset(ARGO), ctx, '/x'),
      'wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers/dac/coriolis/7901113/profiles/R7901113_022.nc',
    );
  });

  it('follows a template', () => {
    const ds = resolveDataset({ ...ARGO, dataIdTemplate: '{centre_id}/argo/{item_id}/{filename}' });
    assert.equal(expandDataId(ds, ctx, '/x'), 'fr-ifremer-argo/argo/Profile7901113_022A/R7901113_022.nc');
  });

  it('percent-encodes free-form values and refuses unsafe results', () => {
    const ds = resolveDataset({ ...ARGO, dataIdTemplate: '{item_id}' });
    assert.equal(expandDataId(ds, { ...ctx, itemId: 'a b/c' }, '/x'), 'a%20b%2Fc');
    const slash = resolveDataset({ ...ARGO, dataIdTemplate: '/{filename}' });
    assert.equal(refusal(() => expandDataId(slash, ctx, '/x')).code, 'data_id.invalid');
    const channel = resolveDataset({ ...ARGO, dataIdTemplate: 'origin/a/{filename}' });
    assert.equal(refusal(() => expandDataId(channel, ctx, '/x')).code, 'data_id.invalid');
  });
});
