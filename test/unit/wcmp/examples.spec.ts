import assert from 'node:assert/strict';
import { validateWcmp } from '../../../nodes/lib/wcmp';
import { hasReference, needReference } from '../../helpers/reference';
import { ARGO_FILE, EXAMPLES_DIR, argo, clone, code, examples, failedTests, findings } from './helpers';

/**
 * Official examples that break a rule of the topic hierarchy, with the rule. They still get no
 * FAILED test: they are the standard's own examples, and the rule they break (WTH
 * /req/core/publishing B, data at level 8 or deeper) is a publishing rule that no WCMP2
 * abstract test names, so the suite warns. WIS2 publish refuses notifications on such topics.
 */
const EXAMPLES_BREAKING_A_RULE: Partial<Record<string, { channel: string; why: string }>> = {
  'ca-eccc-msc.daily-climate-observations.json': {
    channel: 'origin/a/wis2/ca-eccc-msc/data/core/climate',
    why: 'its channel stops at level 7; WTH /req/core/publishing B publishes data at level 8 or deeper',
  },
  'ca-eccc-msc.hydrometric-archive.json': {
    channel: 'origin/a/wis2/ca-eccc-msc/data/core/hydrology',
    why: 'its channel stops at level 7; WTH /req/core/publishing B publishes data at level 8 or deeper',
  },
  'ca-eccc-msc.hydrometric-realtime.json': {
    channel: 'origin/a/wis2/ca-eccc-msc/data/core/hydrology',
    why: 'its channel stops at level 7; WTH /req/core/publishing B publishes data at level 8 or deeper',
  },
};

describe('wcmp: the official WCMP2 examples', () => {
  before(function () {
    needReference(this, EXAMPLES_DIR);
  });
  // Listed while the tests are defined, one test per example, when the examples are there.
  const all = hasReference(EXAMPLES_DIR) ? examples() : [];

  it('are the 17 examples of WCMP 2.3', () => {
    assert.equal(all.length, 17);
  });

  for (const { name, record } of all) {
    const broken = EXAMPLES_BREAKING_A_RULE[name];
    if (broken) {
      it(`${name} gets no FAILED test, and a warning: ${broken.why}`, () => {
        const report = validateWcmp(record);
        assert.deepEqual(failedTests(report), []);
        const links = report.tests.find((t) => t.id.endsWith('/links'));
        const shallow = (links?.warnings ?? []).filter((w) => w.code === 'links.channel_shallow');
        assert.ok(shallow.length > 0);
        assert.equal(shallow[0]?.rule, '/req/core/links F');
        assert.match(shallow[0]?.message ?? '', new RegExp(`${broken.channel}.*level 8 or deeper \\(/req/core/publishing B\\)`));
        // The same record with a level-8 channel has no such warning: the level is the only fault.
        const fixed = clone(record);
        for (const link of fixed.links as { channel?: string }[]) {
          if (link.channel !== undefined) link.channel += '/experimental';
        }
        const after = validateWcmp(fixed).tests.find((t) => t.id.endsWith('/links'));
        assert.equal((after?.warnings ?? []).filter((w) => w.code === 'links.channel_shallow').length, 0);
      });
    } else {
      it(`${name} gets no FAILED test`, () => {
        const report = validateWcmp(record);
        assert.deepEqual(failedTests(report), [], JSON.stringify(report.tests.filter((t) => t.code === 'FAILED'), null, 1));
        assert.equal(report.summary.FAILED, 0);
        assert.equal(report.tests.length, 14);
      });
    }
  }

  it('warn, without failing, where they bend a rule WIS2 accepts in practice', () => {
    const byName = new Map(all.map((e) => [e.name, validateWcmp(e.record)]));
    const warningCodes = (name: string, test: 'links' | 'themes' | 'themes_wis2_global_service'): string[] =>
      findings(byName.get(name)!, test, 'warnings').map((w) => w.code);
    // Two global services name their type with a scheme that is not the register (…/wis/service-types).
    assert.ok(warningCodes('ca-eccc-msc-gdc.global-discovery-catalogue.json', 'themes_wis2_global_service').includes('themes_wis2_global_service.service_type_scheme'));
    assert.ok(warningCodes('fr-meteofrance-global-broker.json', 'themes_wis2_global_service').includes('themes_wis2_global_service.service_type_scheme'));
    // The Global Broker's hub link is MQTT over WebSocket (wss), not mqtt/mqtts.
    assert.ok(warningCodes('fr-meteofrance-global-broker.json', 'links').includes('links.mqtt_scheme'));
    // DWD's channel stops at a topic that has sub-topics: WTH /per/core/publishing B allows it.
    assert.ok(warningCodes('de-dwd.icon-eps-all.json', 'links').includes('links.channel_not_leaf'));
    // EUMETSAT: link type "collection" is not a media type; its channel discipline (weather) is not in its discipline theme.
    assert.ok(warningCodes('int-eumetsat-serviri-core.json', 'links').includes('links.media_type'));
    assert.ok(warningCodes('int-eumetsat-serviri-core.json', 'themes').includes('themes.discipline_not_listed'));
  });
});

describe('wcmp: the Ifremer Argo record', () => {
  let record: ReturnType<typeof argo> = {};
  let report: ReturnType<typeof validateWcmp>;
  before(function () {
    needReference(this, ARGO_FILE, EXAMPLES_DIR);
    record = argo();
    report = validateWcmp(record);
  });

  it('passes the schema, the identifier, the channel and the data policy', () => {
    for (const test of ['validation', 'identifier', 'extent_geospatial', 'extent_temporal', 'data_policy', 'record_creation_date'] as const) {
      assert.equal(code(report, test), 'PASSED', test);
    }
  });

  it('is flagged for its wss:// MQTT link, citing /req/core/links E', () => {
    const w = findings(report, 'links', 'warnings').find((x) => x.code === 'links.mqtt_scheme');
    assert.ok(w);
    assert.equal(w.path, '/links/1/href');
    assert.equal(w.rule, '/req/core/links E');
    assert.match(w.message, /^\/req\/core\/links E: .*wss.*mqtt \(port 1883\) or mqtts \(port 8883\)/);
  });

  it('is flagged for its discipline theme, citing /req/core/themes D and naming the register and the concept "ocean"', () => {
    const e = findings(report, 'themes').find((x) => x.code === 'themes.discipline_scheme');
    assert.ok(e);
    assert.equal(e.path, '/properties/themes/1/scheme');
    assert.equal(e.rule, '/req/core/themes D');
    assert.match(e.message, /^\/req\/core\/themes D: /);
    assert.ok(e.message.includes('scheme https://codes.wmo.int/wis/topic-hierarchy/earth-system-discipline and concept "ocean"'));
  });

  it('fails themes only, and every message cites the rule it applies', () => {
    assert.deepEqual(failedTests(report), ['themes']);
    for (const t of report.tests) {
      for (const f of [...t.errors, ...t.warnings]) assert.ok(f.message.startsWith(`${f.rule}: `), f.message);
    }
  });

  it('severity of wss:// is WARNING: MQTT over WebSocket reaches the same broker, the standard\'s own Global Broker example and pywcmp accept it, while a channel on a non-MQTT scheme FAILS', () => {
    // Consistency with the official Global Broker example, which has a wss:// hub link.
    const gb = examples().find((e) => e.name === 'fr-meteofrance-global-broker.json')!;
    assert.equal(code(validateWcmp(gb.record), 'links'), 'WARNING');
    // Not a blanket pass: a channel on an https link is not an MQTT link at all.
    const https = clone(record);
    (https.links as Record<string, unknown>[])[1].href = 'https://mosquitto.ifremer.fr:443';
    const r = validateWcmp(https);
    assert.equal(code(r, 'links'), 'FAILED');
    assert.ok(findings(r, 'links').some((x) => x.code === 'links.channel_scheme' && x.rule === '/req/core/links E'));
    // And the recommended form removes the warning.
    const mqtts = clone(record);
    (mqtts.links as Record<string, unknown>[])[1].href = 'mqtts://mosquitto.ifremer.fr:8883';
    assert.ok(!findings(validateWcmp(mqtts), 'links', 'warnings').some((x) => x.code === 'links.mqtt_scheme'));
  });

  it('severity of the discipline theme is FAILED: no concept names a discipline, so a catalogue faceting by discipline never lists the dataset under ocean; the fix the message gives passes', () => {
    // Every official example names its disciplines in the register scheme; none is flagged.
    for (const e of examples()) {
      assert.ok(!findings(validateWcmp(e.record), 'themes').some((x) => x.code.startsWith('themes.discipline')), e.name);
    }
    // A theme that does name disciplines under an older GitHub scheme URI is only a WARNING:
    // the FAILED comes from the concept, which is a sub-topic leaf and not a discipline.
    const legacy = clone(record);
    const themes = (legacy.properties as Record<string, unknown>).themes as Record<string, unknown>[];
    themes[1] = { concepts: [{ id: 'ocean' }], scheme: 'https://github.com/wmo-im/wis2-topic-hierarchy/blob/main/topic-hierarchy/earth-system-discipline/index.csv' };
    assert.equal(code(validateWcmp(legacy), 'themes'), 'WARNING');
    // Applying the message's suggestion passes.
    const fixed = clone(record);
    ((fixed.properties as Record<string, unknown>).themes as Record<string, unknown>[])[1] = {
      concepts: [{ id: 'ocean' }],
      scheme: 'https://codes.wmo.int/wis/topic-hierarchy/earth-system-discipline',
    };
    assert.equal(code(validateWcmp(fixed), 'themes'), 'PASSED');
    assert.deepEqual(failedTests(validateWcmp(fixed)), []);
  });
});
