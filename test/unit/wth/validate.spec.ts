import assert from 'node:assert/strict';
import {
  MAX_TOPIC_BYTES,
  centreIdStatus,
  describeChildren,
  listChildren,
  parseWis2Topic,
  validateTopic,
  type TopicCheck,
  type TopicProblem,
} from '../../../nodes/lib/wth';
import { needReference } from '../../helpers/reference';
import { WTH_CODELISTS, officialCodelist } from './csv';

const CENTRE = 'origin/a/wis2/fr-ifremer-argo';
const ARGO = `${CENTRE}/data/core/ocean/surface-based-observations/drifting-ocean-profilers`;
const SUB = { mode: 'subscription' } as const;

function codes(problems: TopicProblem[]): string[] {
  return problems.map((p) => p.code);
}

function only(check: TopicCheck, code: string): TopicProblem {
  assert.equal(check.valid, false, `${check.topic} should be invalid`);
  assert.deepEqual(codes(check.errors), [code], JSON.stringify(check.errors));
  const [problem] = check.errors;
  assert.ok(problem);
  return problem;
}

function valid(topic: string, options: Parameters<typeof validateTopic>[1] = {}): TopicCheck {
  const check = validateTopic(topic, options);
  assert.equal(check.valid, true, `${topic}: ${JSON.stringify(check.errors)}`);
  assert.deepEqual(check.errors, []);
  return check;
}

describe('validateTopic', () => {
  describe('the Argo topics', () => {
    it('accepts the Argo data topic as a leaf and reads its levels', () => {
      const check = valid(ARGO);
      assert.deepEqual(check, {
        valid: true,
        topic: ARGO,
        mode: 'publication',
        errors: [],
        warnings: [],
        channel: 'origin',
        centreId: 'fr-ifremer-argo',
        centreStatus: 'Operational',
        notificationType: 'data',
        dataPolicy: 'core',
        discipline: 'ocean',
        experimental: false,
        leaf: true,
        status: 'Operational',
      });
    });

    it('refuses the swapped core/data of the former pipeline and says the levels are swapped', () => {
      const check = validateTopic(`${CENTRE}/core/data/ocean/surface-based-observations/drifting-ocean-profilers`);
      const problem = only(check, 'levels-swapped');
      assert.equal(problem.level, 5);
      assert.match(problem.message, /swapped/);
      assert.equal(check.suggestedTopic, ARGO);
    });

    it('refuses ocean-profilers and proposes drifting-ocean-profilers', () => {
      const check = validateTopic(`${CENTRE}/data/core/ocean/surface-based-observations/ocean-profilers`);
      const problem = only(check, 'level-renamed');
      assert.equal(problem.level, 9);
      assert.deepEqual(problem.candidates, ['drifting-ocean-profilers']);
      assert.match(problem.suggestion ?? '', /drifting-ocean-profilers/);
      assert.equal(check.suggestedTopic, ARGO);
    });

    it('accepts the 5-level metadata topic', () => {
      const check = valid(`${CENTRE}/metadata`);
      assert.equal(check.notificationType, 'metadata');
      assert.equal(check.dataPolicy, undefined);
    });

    it('refuses metadata/core: metadata has exactly 5 levels', () => {
      const check = validateTopic(`${CENTRE}/metadata/core`);
      const problem = only(check, 'metadata-too-deep');
      assert.equal(problem.level, 6);
      assert.match(problem.message, /exactly 5 levels/);
      assert.equal(check.suggestedTopic, `${CENTRE}/metadata`);
    });
  });

  describe('depth and leaves', () => {
    it('refuses a non-leaf topic for publication, saying why and what is below', () => {
      const check = validateTopic(`${CENTRE}/data/core/ocean/surface-based-observations`);
      const problem = only(check, 'topic-not-leaf');
      assert.equal(check.leaf, false);
      assert.match(problem.message, /sub-topics/);
      assert.match(problem.message, /leaf/);
      assert.ok(problem.candidates?.includes('drifting-ocean-profilers'));
    });

    it('refuses data at level 7 (WTH requires level 8 or deeper)', () => {
      const check = validateTopic(`${CENTRE}/data/core/ocean`);
      const problem = only(check, 'data-too-shallow');
      assert.equal(problem.level, 7);
      assert.deepEqual(problem.candidates, ['experimental', 'surface-based-observations']);
    });

    it('refuses data without a discipline or a policy, and topics shorter than 5 levels', () => {
      only(validateTopic(`${CENTRE}/data/core`), 'data-too-shallow');
      only(validateTopic(`${CENTRE}/data`), 'data-too-shallow');
      const short = only(validateTopic(CENTRE), 'topic-too-short');
      assert.deepEqual(short.candidates, ['data', 'metadata']);
      only(validateTopic('origin'), 'topic-too-short');
    });

    it('refuses levels below a leaf', () => {
      const check = validateTopic(`${ARGO}/bufr`);
      only(check, 'level-beyond-leaf');
      assert.equal(check.suggestedTopic, ARGO);
    });

    it('accepts leaves at every depth the tree has', () => {
      assert.equal(valid(`${CENTRE}/data/core/weather/advisories-warnings`).leaf, true);
      assert.equal(valid(`${CENTRE}/data/core/weather/prediction/forecast/medium-range/deterministic/global`).leaf, true);
      valid(`${CENTRE}/data/recommended/weather/space-based-observations/cfosat/swim`);
      valid(`${CENTRE}/data/core/space-weather/space-based-observations/soho/lasco`);
    });

    it('completes a non-leaf topic that has a single child', () => {
      const check = validateTopic(`${CENTRE}/data/core/atmospheric-composition/observations/radiation-latent-heat`);
      only(check, 'topic-not-leaf');
      assert.equal(check.suggestedTopic, `${check.topic}/ultraviolet-radiation`);
    });
  });

  describe('experimental topics', () => {
    it('accepts any sub-topics below {discipline}/experimental and flags them', () => {
      const check = valid(`${CENTRE}/data/core/ocean/experimental/gliders/sea-water-temperature`);
      assert.equal(check.experimental, true);
      assert.equal(check.leaf, undefined);
      assert.deepEqual(codes(check.warnings), ['experimental-topic']);
      assert.match(check.warnings[0]?.message ?? '', /cache/);
    });
    it('accepts the experimental topic itself, a leaf of the codelist', () => {
      const check = valid(`${CENTRE}/data/core/hydrology/experimental`);
      assert.equal(check.experimental, true);
      assert.equal(check.leaf, true);
    });
    it('warns about topics whose status is Experimental, without refusing them', () => {
      const check = valid(`${CENTRE}/data/core/hydrology/surface-based-observations/water-quantity/stream`);
      assert.equal(check.experimental, false);
      assert.equal(check.status, 'Experimental');
      assert.deepEqual(codes(check.warnings), ['topic-status-experimental']);
    });
    it('does not let "experimental" deeper than level 8 open the tree', () => {
      only(validateTopic(`${CENTRE}/data/core/ocean/surface-based-observations/experimental`), 'level-unknown');
    });
  });

  describe('wildcards', () => {
    it('refuses + and # in a publication topic', () => {
      const plus = validateTopic(`${CENTRE}/data/core/ocean/+/drifting-ocean-profilers`);
      assert.deepEqual(codes(plus.errors), ['wildcard-in-publication']);
      assert.equal(plus.errors[0]?.level, 8);
      assert.deepEqual(codes(validateTopic(`${CENTRE}/data/core/#`).errors), ['wildcard-in-publication']);
      assert.deepEqual(codes(validateTopic('origin/a/wis2/+/metadata').errors), ['wildcard-in-publication']);
    });

    it('matches + against the tree, hyphenated levels included', () => {
      const check = valid('origin/a/wis2/+/data/core/ocean/+/drifting-ocean-profilers', SUB);
      assert.equal(check.mode, 'subscription');
      assert.equal(check.centreId, undefined);
      assert.equal(check.discipline, 'ocean');
      assert.deepEqual(check.warnings, []);
    });

    it('accepts the subscriptions Global Services and consumers use', () => {
      for (const topic of [
        'origin/a/wis2/#',
        'cache/a/wis2/#',
        `${CENTRE}/#`,
        'origin/a/wis2/+/data/core/#',
        'origin/a/wis2/+/metadata/#',
        'cache/a/wis2/+/metadata',
        'origin/a/wis2/+/+',
        '#',
        'cache/a/wis2/+/data/+/+/+/drifting-ocean-profilers',
        `cache/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers`,
        'monitor/a/wis2/fr-ifremer-argo',
        'monitor/a/wis2/fr-ifremer-argo/#',
        'monitor/a/wis2/+',
      ]) {
        valid(topic, SUB);
      }
    });

    it('refuses # anywhere but last, and wildcards mixed into a level', () => {
      const hash = validateTopic('origin/a/wis2/#/data', SUB);
      const problem = only(hash, 'wildcard-hash-not-last');
      assert.equal(problem.level, 4);
      assert.equal(hash.suggestedTopic, 'origin/a/wis2/#');
      only(validateTopic(`${CENTRE}/data/core/ocean/surface-based-observations/drifting+`, SUB), 'wildcard-in-level');
      only(validateTopic(`${CENTRE}/data/core/ocean#`, SUB), 'wildcard-in-level');
    });

    it('refuses filters that cannot match the tree, and warns about those that match nothing', () => {
      only(validateTopic(`origin/a/wis2/+/data/core/ocean/surface-based-observations/ocean-profilers`, SUB), 'level-renamed');
      only(validateTopic(`origin/a/wis2/+/data/core/ocean/surface-based-observations/+/x`, SUB), 'level-beyond-leaf');
      // Below ocean/experimental any level goes, so this filter does match something.
      assert.equal(valid(`${CENTRE}/data/core/ocean/+/ocean-profilers`, SUB).experimental, true);
      only(validateTopic(`${ARGO}/+`, SUB), 'level-beyond-leaf');
      only(validateTopic(`${CENTRE}/metadata/+`, SUB), 'metadata-too-deep');
      assert.deepEqual(codes(valid('origin/a/wis2/+/data/core/ocean', SUB).warnings), ['subscription-matches-nothing']);
      assert.deepEqual(codes(valid('origin/a/wis2', SUB).warnings), ['subscription-matches-nothing']);
      const nonLeaf = valid(`${CENTRE}/data/core/ocean/surface-based-observations`, SUB);
      assert.equal(nonLeaf.leaf, false);
      assert.deepEqual(codes(nonLeaf.warnings), ['subscription-not-leaf']);
      assert.deepEqual(codes(valid('cache/a/wis2/+/data/recommended/#', SUB).warnings), ['cache-recommended']);
    });
  });

  describe('channels', () => {
    it('publishes on origin only, unless the caller republishes as a Global Cache', () => {
      const cache = validateTopic(`cache/a/wis2/fr-ifremer-argo/metadata`);
      only(cache, 'channel-not-publishable');
      assert.equal(cache.suggestedTopic, `${CENTRE}/metadata`);
      valid(`cache/a/wis2/fr-ifremer-argo/metadata`, { allowCache: true });
      only(validateTopic('monitor/a/wis2/fr-ifremer-argo'), 'channel-not-publishable');
    });
    it('proposes the channel meant', () => {
      const check = validateTopic('orgin/a/wis2/fr-ifremer-argo/metadata');
      assert.deepEqual(only(check, 'channel-unknown').candidates, ['origin']);
      assert.equal(check.suggestedTopic, `${CENTRE}/metadata`);
    });
    it('notices a missing version or system level', () => {
      assert.equal(validateTopic('origin/wis2/fr-ifremer-argo/metadata').suggestedTopic, `${CENTRE}/metadata`);
      assert.equal(validateTopic('origin/a/fr-ifremer-argo/metadata').suggestedTopic, `${CENTRE}/metadata`);
      only(validateTopic('origin/b/wis2/fr-ifremer-argo/metadata'), 'version-unknown');
    });
  });

  describe('conventions (lowercase, T.50, no dots, dashes, MQTT)', () => {
    it('refuses uppercase', () => {
      const check = validateTopic(ARGO.replace('ocean', 'Ocean'));
      assert.deepEqual(codes(check.errors), ['level-uppercase']);
      assert.equal(check.errors[0]?.level, 7);
      assert.equal(check.suggestedTopic, ARGO);
    });
    it('refuses dots', () => {
      const check = validateTopic(ARGO.replace('drifting-ocean-profilers', 'drifting.ocean.profilers'));
      assert.deepEqual(codes(check.errors), ['level-dot']);
      assert.equal(check.suggestedTopic, ARGO);
    });
    it('refuses empty levels: leading, trailing or doubled slashes', () => {
      for (const topic of [`/${ARGO}`, `${ARGO}/`, ARGO.replace('/data/', '/data//')]) {
        const check = validateTopic(topic);
        assert.deepEqual(codes(check.errors), ['level-empty'], topic);
        assert.equal(check.suggestedTopic, ARGO);
      }
      only(validateTopic(''), 'topic-empty');
    });
    it('refuses NUL, which MQTT forbids', () => {
      const check = validateTopic(ARGO.replace('ocean/', 'oce\u0000an/'));
      const problem = only(check, 'topic-nul');
      assert.equal(problem.level, 7);
      assert.equal(check.suggestedTopic, ARGO);
    });
    it('refuses characters outside T.50, underscores, spaces and stray dashes', () => {
      assert.deepEqual(codes(validateTopic(ARGO.replace('ocean/', 'océan/')).errors), ['level-not-ascii']);
      assert.deepEqual(codes(validateTopic(ARGO.replace('surface-based', 'surface_based')).errors), ['level-invalid-character']);
      assert.deepEqual(codes(validateTopic(ARGO.replace('surface-based', 'surface based')).errors), ['level-invalid-character']);
      assert.deepEqual(codes(validateTopic(ARGO.replace('ocean/', 'ocean-/')).errors), ['level-dash']);
      assert.deepEqual(codes(validateTopic(ARGO.replace('drifting-ocean', 'drifting--ocean')).errors), ['level-dash']);
      assert.equal(validateTopic(ARGO.replace('ocean/', 'océan/')).suggestedTopic, ARGO);
    });
    it('refuses topics longer than MQTT allows', () => {
      const long = `${CENTRE}/data/core/ocean/experimental/${'x'.repeat(MAX_TOPIC_BYTES)}`;
      assert.deepEqual(codes(validateTopic(long).errors), ['topic-too-long']);
    });
    it('reports a non-string topic instead of throwing', () => {
      const check = validateTopic(undefined as unknown as string);
      assert.deepEqual(codes(check.errors), ['topic-not-string']);
    });
  });

  describe('centre ids', () => {
    it('refuses an unknown centre id and names the nearest known ones', () => {
      for (const wrong of ['fr-ifremr-argo', 'ifremer-argo', 'fr-ifremer']) {
        const check = validateTopic(ARGO.replace('fr-ifremer-argo', wrong));
        const problem = only(check, 'centre-id-unknown');
        assert.equal(problem.level, 4);
        assert.equal(problem.candidates?.[0], 'fr-ifremer-argo', wrong);
        assert.match(problem.suggestion ?? '', /did you mean "fr-ifremer-argo"/);
        assert.equal(check.centreId, wrong);
        assert.equal(check.suggestedTopic, ARGO);
      }
    });
    it('says so when nothing known is close, and when the id has no tld', () => {
      const problem = only(validateTopic(ARGO.replace('fr-ifremer-argo', 'zz-qqqqqqqq')), 'centre-id-unknown');
      assert.equal(problem.candidates, undefined);
      assert.match(problem.suggestion ?? '', /-test/);
      assert.match(only(validateTopic(ARGO.replace('fr-ifremer-argo', 'ifremer')), 'centre-id-unknown').message, /<tld>-<centre-name>/);
    });
    it('notices a missing centre id', () => {
      only(validateTopic('origin/a/wis2/data/core/ocean/experimental'), 'centre-id-missing');
    });
    it('accepts *-test centre ids without look-up, with a warning', () => {
      const check = valid(ARGO.replace('fr-ifremer-argo', 'io-wis2dev-11-test'));
      assert.deepEqual(codes(check.warnings), ['centre-id-test']);
      assert.equal(check.centreId, 'io-wis2dev-11-test');
      assert.equal(check.centreStatus, undefined);
    });
    it('accepts Pre-operational centre ids silently', () => {
      const check = valid(`origin/a/wis2/fi-fmi/data/core/weather/surface-based-observations/synop`);
      assert.equal(check.centreStatus, 'Pre-operational');
      assert.deepEqual(check.warnings, []);
    });
    it('accepts every registered id that is not Retired', function () {
      needReference(this, WTH_CODELISTS);
      for (const row of officialCodelist('centre-id')) {
        const check = validateTopic(`origin/a/wis2/${row.Name ?? ''}/metadata`);
        assert.equal(check.valid, row.Status !== 'Retired', `${row.Name ?? ''} (${row.Status ?? ''})`);
      }
    });
    // Retired ids stay in the register, so a Global Broker that only checks membership lets
    // them through; but the register retires an id when the centre stops publishing under
    // it (it moved to another id or left WIS2). A node configured with one is misconfigured,
    // and a WCMP2 record announcing one points at a dead channel: refuse it when publishing.
    // Subscribers may still look for what was published under it: only warn them.
    it('refuses a Retired centre id for publication and only warns a subscriber', () => {
      const topic = 'origin/a/wis2/uk-metoffice-nmc/data/core/weather/surface-based-observations/synop';
      const check = validateTopic(topic);
      const problem = only(check, 'centre-id-retired');
      assert.equal(check.centreStatus, 'Retired');
      assert.ok(problem.candidates?.includes('uk-metoffice'), JSON.stringify(problem));
      assert.equal(check.suggestedTopic, undefined, 'a successor is a human decision, not a spelling fix');
      const sub = valid(topic, SUB);
      assert.deepEqual(codes(sub.warnings), ['centre-id-retired']);
    });
  });

  describe('did you mean', () => {
    it('proposes siblings for misspelt levels', () => {
      const check = validateTopic(`${CENTRE}/data/core/weather/surface-based-observations/synp`);
      assert.deepEqual(only(check, 'level-unknown').candidates, ['synop']);
      const plural = validateTopic(ARGO.replace('surface-based-observations', 'surface-based-observation'));
      assert.deepEqual(only(plural, 'level-unknown').candidates, ['surface-based-observations']);
      assert.equal(plural.suggestedTopic, ARGO);
    });
    it('lists the topics there when no sibling is close', () => {
      const problem = only(validateTopic(`${CENTRE}/data/core/ocean/surface-based-observations/argo`), 'level-unknown');
      assert.equal(problem.candidates, undefined);
      assert.match(problem.suggestion ?? '', /drifting-ocean-profilers/);
    });
    it('names the successors of renamed topics', () => {
      const check = validateTopic(`${CENTRE}/data/core/ocean/surface-based-observations/gliders`);
      assert.deepEqual(only(check, 'level-renamed').candidates, ['autonomous-underwater-vehicles']);
    });
    it('notices swapped levels in the tree', () => {
      const check = validateTopic(`${CENTRE}/data/core/surface-based-observations/ocean/drifting-ocean-profilers`);
      assert.match(only(check, 'levels-swapped').message, /swapped/);
      assert.equal(check.suggestedTopic, ARGO);
      const deeper = validateTopic(`${CENTRE}/data/core/weather/prediction/medium-range/forecast/deterministic/global`);
      assert.equal(only(deeper, 'levels-swapped').level, 9);
    });
    it('repairs several mistakes at once', () => {
      const check = validateTopic('Origin/a/wis2/fr-ifremer-argo/core/data/ocean/surface_based_observations/ocean-profilers/');
      assert.equal(check.valid, false);
      assert.equal(check.suggestedTopic, ARGO);
    });
    it('proposes the fixed values of levels 5 to 7', () => {
      assert.deepEqual(only(validateTopic(ARGO.replace('/data/', '/dta/')), 'notification-type-unknown').candidates, ['data']);
      assert.deepEqual(only(validateTopic(ARGO.replace('/core/', '/cor/')), 'data-policy-unknown').candidates, ['core']);
      assert.deepEqual(only(validateTopic(ARGO.replace('/ocean/', '/oceans/')), 'discipline-unknown').candidates, ['ocean']);
    });
  });

  it('never lists a suggestion for a valid topic', () => {
    assert.equal(valid(ARGO).suggestedTopic, undefined);
  });
});

describe('centreIdStatus', () => {
  it('knows registered ids and their status', () => {
    assert.deepEqual(centreIdStatus('fr-ifremer-argo'), { known: true, status: 'Operational' });
    assert.deepEqual(centreIdStatus('fi-fmi'), { known: true, status: 'Pre-operational' });
    assert.deepEqual(centreIdStatus('uk-metoffice-nmc'), { known: true, status: 'Retired' });
  });
  it('knows what it does not know', () => {
    assert.deepEqual(centreIdStatus('fr-nowhere'), { known: false });
    assert.deepEqual(centreIdStatus('fr-ifremer-test'), { known: false, test: true });
    assert.deepEqual(centreIdStatus('constructor'), { known: false });
  });
});

describe('listChildren', () => {
  it('walks the hierarchy level by level', () => {
    assert.deepEqual(listChildren(''), ['origin', 'cache']);
    assert.deepEqual(listChildren('origin'), ['a']);
    assert.deepEqual(listChildren('origin/a'), ['wis2']);
    const centres = listChildren('origin/a/wis2/');
    assert.ok(centres.includes('fr-ifremer-argo'));
    assert.ok(!centres.includes('uk-metoffice-nmc'), 'Retired ids are not offered');
    assert.deepEqual(listChildren(CENTRE), ['data', 'metadata']);
    assert.deepEqual(listChildren(`${CENTRE}/data`), ['core', 'recommended']);
    assert.equal(listChildren(`${CENTRE}/data/core`).length, 7);
    assert.deepEqual(listChildren(`${CENTRE}/data/core/ocean`), ['experimental', 'surface-based-observations']);
    assert.equal(listChildren(`${CENTRE}/data/core/ocean/surface-based-observations`).length, 13);
  });
  it('returns nothing below leaves, metadata, experimental branches and unknown prefixes', () => {
    assert.deepEqual(listChildren(ARGO), []);
    assert.deepEqual(listChildren(`${CENTRE}/metadata`), []);
    assert.deepEqual(listChildren(`${CENTRE}/data/core/ocean/experimental`), []);
    assert.deepEqual(listChildren('origin/a/wis2/fr-nowhere'), []);
    assert.deepEqual(listChildren('nowhere'), []);
  });
  it('says why there is nothing', () => {
    assert.deepEqual(describeChildren(ARGO), { children: [], reason: 'leaf' });
    assert.deepEqual(describeChildren(`${CENTRE}/metadata`), { children: [], reason: 'metadata' });
    assert.deepEqual(describeChildren(`${CENTRE}/data/core/ocean/experimental/x`), { children: [], reason: 'experimental' });
    assert.deepEqual(describeChildren(`${CENTRE}/data/core/ocean/nowhere`), { children: [], reason: 'unknown' });
  });
});

describe('parseWis2Topic', () => {
  it('names the levels by position without judging them', () => {
    const parts = parseWis2Topic(ARGO);
    assert.equal(parts.centreId, 'fr-ifremer-argo');
    assert.equal(parts.dataPolicy, 'core');
    assert.equal(parts.discipline, 'ocean');
    assert.deepEqual(parts.subTopics, ['surface-based-observations', 'drifting-ocean-profilers']);
    const swapped = parseWis2Topic(`${CENTRE}/core/data`);
    assert.equal(swapped.notificationType, 'core');
    assert.equal(parseWis2Topic(`${CENTRE}/metadata`).dataPolicy, undefined);
  });
});
