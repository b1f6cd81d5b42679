import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluateKpis, grade, KPI_IDS, type KpiReport, type KpiResult } from '../../../nodes/lib/wcmp';
import { needReference } from '../../helpers/reference';
import { ARGO_FILE, EXAMPLES_DIR, argo, clone, examples, goodRecord } from './helpers';

type Json = Record<string, unknown>;

function kpi(report: KpiReport, name: string): KpiResult {
  const t = report.tests.find((x) => x.id.endsWith(`/${name}`));
  assert.ok(t, name);
  return t;
}

function rule(result: KpiResult, name: string, subject?: string): string {
  const r = result.rules.find((x) => x.rule === name && (subject === undefined || x.subject === subject));
  assert.ok(r, `${name} ${subject ?? ''}`);
  return r.result;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a30000000049454e44ae426082', 'hex');

/** A small web server standing for the hosts a record links to. */
function startServer(): Promise<{ base: string; close: () => Promise<void>; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method ?? ''} ${req.url ?? ''}`);
    switch (req.url) {
      case '/ok.html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<p>ok</p>');
        return;
      case '/redirect':
        res.writeHead(302, { location: '/ok.html' }).end();
        return;
      case '/no-head':
        if (req.method === 'HEAD') res.writeHead(405).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      case '/preview.png':
        res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
        return;
      case '/fake.png':
        res.writeHead(200, { 'content-type': 'image/png' }).end('<!doctype html><p>not an image</p>');
        return;
      case '/octets.png':
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG);
        return;
      case '/logo.svg':
        res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>');
        return;
      case '/slow':
        // Never answers within the deadline the test sets.
        setTimeout(() => res.writeHead(200).end(), 5000).unref();
        return;
      case '/untyped':
        res.writeHead(200).end('plain');
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('missing');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        base: `http://127.0.0.1:${port}`,
        hits,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => { done(); });
        }),
      });
    });
  });
}

describe('wcmp: KPIs', () => {
  it('reports the seven KPIs of the KPI document with pywcmp\'s ids, each with score, total, comments and percentage', async () => {
    const report = await evaluateKpis(goodRecord());
    assert.equal(report.report_type, 'kpi');
    assert.deepEqual(report.tests.map((t) => t.id), [...KPI_IDS]);
    assert.deepEqual(KPI_IDS.map((id) => id.replace('http://wis.wmo.int/spec/wcmp/2/kpi/core/', '')), [
      'good_quality_title',
      'good_quality_description',
      'time_intervals',
      'graphic_overview_for_metadata_records',
      'links_health',
      'contacts',
      'persistent_identifiers',
    ]);
    for (const t of report.tests) {
      assert.equal(typeof t.score, 'number');
      assert.equal(typeof t.total, 'number');
      assert.ok(Array.isArray(t.comments));
      assert.ok(t.percentage === null || (t.percentage >= 0 && t.percentage <= 100));
    }
    assert.equal(report.metadata_id, 'urn:wmo:md:fr-ifremer-argo:argo-profiles');
  });

  describe('without the network', () => {
    it('never fetches, leaves links health out of the totals as not evaluated, and scores only the presence of a graphic overview', async () => {
      let calls = 0;
      const fetchSpy = ((): Promise<Response> => {
        calls++;
        return Promise.reject(new Error('no network in this test'));
      }) as typeof fetch;
      const record = goodRecord();
      (record.links as Json[]).push({ rel: 'preview', type: 'image/png', href: 'https://example.org/preview.png' });
      const report = await evaluateKpis(record, { fetch: fetchSpy });
      assert.equal(calls, 0);
      const health = kpi(report, 'links_health');
      assert.equal(health.status, 'not_evaluated');
      assert.equal(health.total, 0);
      assert.equal(health.percentage, null);
      assert.ok(health.rules.length > 0 && health.rules.every((r) => r.result === 'not_evaluated'));
      assert.ok(report.summary.not_evaluated.includes(health.id));
      const overview = kpi(report, 'graphic_overview_for_metadata_records');
      assert.equal(rule(overview, 'a graphic overview is present'), 'passed');
      assert.equal(rule(overview, 'the URL resolves'), 'not_evaluated');
      assert.equal(overview.total, 1);
      // The summary adds up evaluated rules only.
      assert.equal(report.summary.total, report.tests.reduce((s, t) => s + t.total, 0));
    });

    describe('with the official records', () => {
      before(function () {
        needReference(this, ARGO_FILE, EXAMPLES_DIR);
      });

      it('the Argo record: title and description full marks (spelling not evaluated), contacts 2/4, no PIDs, no preview', async () => {
        const report = await evaluateKpis(argo());
        const title = kpi(report, 'good_quality_title');
        assert.deepEqual([title.score, title.total], [6, 6]);
        assert.equal(rule(title, 'passes a basic spellcheck'), 'not_evaluated');
        assert.deepEqual([kpi(report, 'good_quality_description').score, kpi(report, 'good_quality_description').total], [3, 3]);
        assert.deepEqual([kpi(report, 'time_intervals').score, kpi(report, 'time_intervals').total], [3, 3]);
        const contacts = kpi(report, 'contacts');
        assert.deepEqual([contacts.score, contacts.total], [2, 4]);
        assert.equal(rule(contacts, 'the host has contact instructions'), 'failed');
        assert.equal(rule(contacts, 'a contact with the role publisher'), 'failed');
        assert.deepEqual([kpi(report, 'persistent_identifiers').score, kpi(report, 'persistent_identifiers').total], [0, 3]);
        assert.deepEqual([kpi(report, 'graphic_overview_for_metadata_records').score, kpi(report, 'graphic_overview_for_metadata_records').total], [0, 1]);
        assert.equal(report.summary.total, 20);
        assert.equal(report.summary.score, 14);
        assert.equal(report.summary.percentage, 70);
        assert.equal(report.summary.grade, 'B');
      });

      it('every official example gets a grade', async () => {
        for (const e of examples()) {
          const report = await evaluateKpis(e.record);
          assert.ok(report.summary.grade !== null, e.name);
          assert.ok(report.summary.total > 0);
        }
      });
    });
  });

  describe('title', () => {
    const titleRules = async (title: unknown): Promise<Record<string, string>> => {
      const r = goodRecord();
      (r.properties as Json).title = title;
      const t = kpi(await evaluateKpis(r), 'good_quality_title');
      return Object.fromEntries(t.rules.map((x) => [x.rule, x.result]));
    };

    it('three words or more, 150 characters or less', async () => {
      assert.equal((await titleRules('Argo profiles'))['3 words or more'], 'failed');
      assert.equal((await titleRules('Argo float profiles'))['3 words or more'], 'passed');
      assert.equal((await titleRules(`Argo ${'profiles '.repeat(20)}`))['150 characters or less'], 'failed');
    });

    it('only letters, digits and round brackets', async () => {
      assert.equal((await titleRules('Argo float profiles (Coriolis)'))['only letters, digits and round brackets'], 'passed');
      assert.equal((await titleRules('Température de surface de la mer'))['only letters, digits and round brackets'], 'passed');
      assert.equal((await titleRules('Argo float profiles - Coriolis'))['only letters, digits and round brackets'], 'failed');
    });

    it('sentence case accepts proper nouns and refuses Title Case', async () => {
      assert.equal((await titleRules('Argo marine floats vertical profiles distributed by Coriolis'))['sentence case'], 'passed');
      assert.equal((await titleRules('Global Ensemble Prediction Model'))['sentence case'], 'failed');
      assert.equal((await titleRules('surface weather observations'))['sentence case'], 'failed');
      assert.equal((await titleRules('GOES 16 sea surface temperature'))['sentence case'], 'passed');
    });

    it('fewer than 3 acronyms, no bulletin header', async () => {
      assert.equal((await titleRules('WMO GTS BUFR messages'))['fewer than 3 acronyms'], 'failed');
      assert.equal((await titleRules('WMO GTS messages'))['fewer than 3 acronyms'], 'passed');
      assert.equal((await titleRules('Bulletins SAUS43 KWBC observations'))['no bulletin header'], 'failed');
    });

    it('spelling is never guessed', async () => {
      assert.equal((await titleRules('Argo flaot profilse'))['passes a basic spellcheck'], 'not_evaluated');
    });

    it('a missing or non-string title fails every rule it can be scored on', async () => {
      const r = goodRecord();
      delete (r.properties as Json).title;
      const t = kpi(await evaluateKpis(r), 'good_quality_title');
      assert.deepEqual([t.score, t.total], [0, 6]);
    });
  });

  describe('description', () => {
    const description = async (text: string): Promise<Record<string, string>> => {
      const r = goodRecord();
      (r.properties as Json).description = text;
      return Object.fromEntries(kpi(await evaluateKpis(r), 'good_quality_description').rules.map((x) => [x.rule, x.result]));
    };

    it('length, markup, bulletin template; spelling not evaluated', async () => {
      assert.equal((await description('Too short.'))['between 16 and 2048 characters'], 'failed');
      assert.equal((await description('x'.repeat(2049)))['between 16 and 2048 characters'], 'failed');
      assert.equal((await description('Profiles of <b>temperature</b> and salinity.'))['no HTML markup'], 'failed');
      assert.equal((await description('Profiles of temperature &amp; salinity.'))['no HTML markup'], 'failed');
      assert.equal((await description('Profiles where 3 < 4 and 5 > 2 always.'))['no HTML markup'], 'passed');
      assert.equal((await description('Data from the bulletin SAUS43 KWBC every hour.'))['no bulletin template'], 'failed');
      assert.equal((await description('Profiles of temperature and salinity.'))['passes a basic spellcheck'], 'not_evaluated');
    });
  });

  describe('time intervals', () => {
    const intervals = async (time: unknown, extra?: unknown): Promise<KpiResult> => {
      const r = goodRecord();
      r.time = time;
      if (extra !== undefined) r.additionalExtents = extra;
      return kpi(await evaluateKpis(r), 'time_intervals');
    };

    it('scores 3 per interval: begin before end, not open at both ends, a resolution', async () => {
      let t = await intervals({ interval: ['2020-01-01', '..'], resolution: 'P1D' });
      assert.deepEqual([t.score, t.total], [3, 3]);
      t = await intervals({ interval: ['2020-02-01', '2020-01-01'] });
      assert.deepEqual([t.score, t.total], [1, 3]);
      t = await intervals({ interval: ['..', '..'], resolution: 'P1D' });
      assert.deepEqual([t.score, t.total], [2, 3]);
    });

    it('an interval open at its beginning still begins before it ends (pywcmp takes a point off)', async () => {
      const t = await intervals({ interval: ['..', '2020-01-01'], resolution: 'P1D' });
      assert.deepEqual([t.score, t.total], [3, 3]);
    });

    it('counts the intervals of additionalExtents.temporal too (pywcmp never reaches them)', async () => {
      const t = await intervals(
        { interval: ['2020-01-01', '..'], resolution: 'P1D' },
        { temporal: { interval: [['2019-01-01T00:00:00Z', '2019-12-31T00:00:00Z'], [null, null]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' } },
      );
      assert.equal(t.total, 9);
      assert.equal(t.score, 8);
    });

    it('a single date, a timestamp or a null time has no interval to score: not applicable, not 0', async () => {
      for (const time of [{ date: '2020-01-01' }, { timestamp: '2020-01-01T00:00:00Z' }, null]) {
        const t = await intervals(time);
        assert.equal(t.status, 'not_applicable');
        assert.equal(t.total, 0);
        assert.equal(t.percentage, null);
      }
    });
  });

  describe('contacts and persistent identifiers', () => {
    it('contacts: host, host email, host instructions, publisher (the document\'s four rules)', async () => {
      const r = goodRecord();
      const contacts = (r.properties as Json).contacts as Json[];
      contacts.push({ organization: 'WMO', roles: ['publisher'] });
      const c = kpi(await evaluateKpis(r), 'contacts');
      assert.deepEqual([c.score, c.total], [4, 4]);
      delete contacts[0].roles;
      const none = kpi(await evaluateKpis(r), 'contacts');
      assert.deepEqual([none.score, none.total], [1, 4]);
    });

    it('persistent identifiers: externalIds, a resolver scheme as the document writes it, a cite-as link', async () => {
      const r = goodRecord();
      (r.properties as Json).externalIds = [{ scheme: 'https://doi.org', value: '10.17882/42182' }];
      (r.links as Json[]).push({ rel: 'cite-as', href: 'https://doi.org/10.17882/42182' });
      const p = kpi(await evaluateKpis(r), 'persistent_identifiers');
      assert.deepEqual([p.score, p.total], [3, 3]);
      (r.properties as Json).externalIds = [{ scheme: 'doi', value: '10.17882/42182' }];
      const bare = kpi(await evaluateKpis(r), 'persistent_identifiers');
      assert.deepEqual([bare.score, bare.total], [2, 3]);
      assert.match(bare.rules[1]?.comment ?? '', /resolver URI/);
    });
  });

  it('grades: A from 80 %, B 65, C 50, D 35, E 20, F below (pywcmp returns the number there)', () => {
    assert.deepEqual([80, 79.9, 65, 50, 35, 20, 19.999, 0].map(grade), ['A', 'B', 'B', 'C', 'D', 'E', 'F', 'F']);
    assert.equal(grade(null), null);
  });

  describe('with the network (a local web server)', function () {
    this.timeout(20_000);
    let server: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      server = await startServer();
    });
    after(async () => {
      await server.close();
    });

    function linked(): Json {
      const r = goodRecord();
      const b = server.base;
      r.links = [
        clone((r.links as Json[])[0]),
        { rel: 'data', type: 'text/html', href: `${b}/ok.html` },
        { rel: 'related', href: `${b}/redirect` },
        { rel: 'service', href: `${b}/no-head` },
        { rel: 'about', type: 'collection', href: `${b}/ok.html?again` },
        { rel: 'describedby', href: `${b}/missing` },
        { rel: 'search', href: `${b}/slow` },
        { rel: 'preview', type: 'image/png', href: `${b}/preview.png` },
        { rel: 'preview', type: 'image/png', href: `${b}/fake.png` },
        { rel: 'preview', href: `${b}/octets.png` },
        { rel: 'preview', href: `${b}/logo.svg` },
        { rel: 'preview', href: `${b}/missing.png` },
      ];
      const themes = (r.properties as Json).themes as Json[];
      themes.push({ scheme: `${b}/untyped`, concepts: [{ id: 'x', url: `${b}/ok.html` }] });
      return r;
    }

    it('links health: each http(s) URL resolves (redirects followed, GET when HEAD is refused) and has a media type; mqtt links are left out', async () => {
      const report = await evaluateKpis(linked(), { network: true, timeoutMs: 500 });
      const h = kpi(report, 'links_health');
      const b = server.base;
      assert.equal(h.status, 'evaluated');
      assert.equal(rule(h, 'the link resolves', `${b}/ok.html`), 'passed');
      assert.equal(rule(h, 'the link resolves', `${b}/redirect`), 'passed');
      assert.equal(rule(h, 'the link has a valid media type', `${b}/redirect`), 'passed');
      assert.equal(rule(h, 'the link resolves', `${b}/no-head`), 'passed');
      assert.equal(rule(h, 'the link resolves', `${b}/missing`), 'failed');
      assert.equal(rule(h, 'the link resolves', `${b}/slow`), 'failed');
      assert.match(h.rules.find((r) => r.subject === `${b}/slow`)?.comment ?? '', /no answer within 500 ms/);
      assert.equal(rule(h, 'the link has a valid media type', `${b}/ok.html?again`), 'failed');
      assert.equal(rule(h, 'the link has a valid media type', `${b}/untyped`), 'failed');
      assert.ok(h.comments.some((c) => c.includes('mqtts://broker.example.org:8883')));
      assert.ok(!h.rules.some((r) => r.subject?.startsWith('mqtt')));
      assert.ok(h.comments.some((c) => /use http rather than https/.test(c)));
      assert.ok(server.hits.includes('HEAD /no-head') && server.hits.includes('GET /no-head'));
      assert.equal(h.total, h.rules.length);
    });

    it('graphic overview: resolves and is a common web image by its first bytes, whatever the server calls it', async () => {
      const report = await evaluateKpis(linked(), { network: true, timeoutMs: 1000 });
      const g = kpi(report, 'graphic_overview_for_metadata_records');
      const b = server.base;
      const image = 'the content is a common web image type';
      assert.equal(rule(g, image, `${b}/preview.png`), 'passed');
      assert.equal(rule(g, image, `${b}/fake.png`), 'failed');
      assert.equal(rule(g, image, `${b}/octets.png`), 'passed');
      assert.match(g.rules.find((r) => r.rule === image && r.subject === `${b}/octets.png`)?.comment ?? '', /served as application\/octet-stream/);
      assert.equal(rule(g, image, `${b}/logo.svg`), 'passed');
      assert.equal(rule(g, 'the URL resolves', `${b}/missing.png`), 'failed');
      assert.equal(g.total, 15);
      assert.equal(g.score, 5 + 4 + 3);
    });

    it('a failing fetch is an answer, not an exception', async () => {
      const broken = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch;
      const report = await evaluateKpis(linked(), { network: true, fetch: broken, timeoutMs: 100 });
      const h = kpi(report, 'links_health');
      assert.equal(h.score, h.rules.filter((r) => r.rule === 'the link has a valid media type' && r.result === 'passed').length);
      assert.ok(h.rules.some((r) => r.comment === 'fetch failed'));
    });
  });
});
