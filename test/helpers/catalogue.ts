import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Global Discovery Catalogue as a publisher sees it: an OGC API – Records server (pygeoapi in
 * wis2-gdc) with the collection `wis2-discovery-metadata`, each record an item (404 with
 * pygeoapi's exception body when absent), and pywcmp's KPI process under `/processes`.
 * It holds what the test puts in, and rewrites a core record's links on the way in as wis2-gdc
 * does: `origin` channels become `cache` ones, one link per Global Broker; the server adds its
 * own navigation links when it answers.
 */
export interface Catalogue {
  /** the collection URL a catalogue check is given */
  collectionUrl: string;
  requests: { method: string; path: string; body?: unknown }[];
  /** ingests a record as wis2-gdc would */
  ingest(record: Record<string, unknown>): void;
  remove(id: string): void;
  /** what the KPI process answers: a pywcmp KPI report, or a status */
  kpi: { percentage: number; grade: string } | { status: number };
  /** answer every request with this status instead (a catalogue down) */
  down?: number;
  close(): Promise<void>;
}

const COLLECTION = 'wis2-discovery-metadata';
const GLOBAL_BROKERS: [string, string, string][] = [
  ['fr-meteo-france-global-broker', 'mqtts://everyone:everyone@globalbroker.meteo.fr:8883', 'Météo-France Global Broker'],
  ['cn-cma-global-broker', 'mqtts://everyone:everyone@gb.wis.cma.cn:8883', 'CMA Global Broker'],
];

function asGdcStoresIt(record: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(record);
  const links = Array.isArray(copy.links) ? (copy.links as Record<string, unknown>[]) : [];
  const kept: Record<string, unknown>[] = [];
  for (const link of links) {
    const channel = typeof link.channel === 'string' ? link.channel : undefined;
    if (typeof link.href === 'string' && link.href.startsWith('mqtt') && channel?.startsWith('origin/a/wis2')) {
      for (const [, href, name] of GLOBAL_BROKERS) {
        kept.push({ ...link, rel: 'items', channel: channel.replace('origin', 'cache'), type: 'application/geo+json', title: `Notifications from ${name}`, href });
      }
    } else kept.push(link);
  }
  copy.links = kept;
  return copy;
}

function kpiReport(id: string, percentage: number, grade: string): Record<string, unknown> {
  return {
    id: 'c0a2b7a4-5d2f-4c55-9a43-2f6a1b4f0e11',
    report_type: 'kpi',
    metadata_id: id,
    datetime: '2026-12-03T03:00:00Z',
    generated_by: 'pywcmp 0.14.4 (https://github.com/World-Meteorological-Organization/pywcmp)',
    tests: [{ id: 'http://wis.wmo.int/spec/wcmp/2/kpi/core/title', title: 'Title', total: 7, score: 6, comments: [], percentage: 85.714 }],
    summary: { total: 40, score: Math.round((percentage * 40) / 100), comments: [], percentage, grade },
  };
}

export async function startCatalogue(): Promise<Catalogue> {
  const records = new Map<string, Record<string, unknown>>();
  let base = '';
  const catalogue: Catalogue = {
    collectionUrl: '',
    requests: [],
    kpi: { percentage: 87.5, grade: 'A' },
    ingest(record) {
      records.set(String(record.id), asGdcStoresIt(record));
    },
    remove(id) {
      records.delete(id);
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
  const json = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void => {
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
      catalogue.requests.push({ method: req.method ?? '', path: url.pathname, ...(body === undefined ? {} : { body }) });
      if (catalogue.down !== undefined) {
        res.writeHead(catalogue.down);
        res.end();
        return;
      }
      const item = new RegExp(`^/collections/${COLLECTION}/items/([^/]+)$`).exec(url.pathname);
      if (req.method === 'GET' && item) {
        const id = decodeURIComponent(item[1]);
        const record = records.get(id);
        if (!record) {
          json(res, 404, { code: 'NotFound', description: 'identifier not found' });
          return;
        }
        const navigation = [
          { rel: 'self', type: 'application/geo+json', title: 'This document as GeoJSON', href: `${base}collections/${COLLECTION}/items/${item[1]}?f=json` },
          { rel: 'collection', type: 'application/json', title: 'WIS2 discovery metadata', href: `${base}collections/${COLLECTION}` },
        ];
        json(res, 200, { ...record, links: [...(record.links as unknown[]), ...navigation] }, 'application/geo+json');
        return;
      }
      if (req.method === 'POST' && url.pathname === '/processes/pywcmp-wis2-wcmp2-kpi/execution') {
        const inputs = (body as { inputs?: { record?: { id?: string } } } | undefined)?.inputs;
        if ('status' in catalogue.kpi) {
          json(res, catalogue.kpi.status, { code: 'NoApplicableCode', description: 'processing error' });
          return;
        }
        json(res, 200, kpiReport(String(inputs?.record?.id), catalogue.kpi.percentage, catalogue.kpi.grade));
        return;
      }
      json(res, 404, { code: 'NotFound', description: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}/`;
  catalogue.collectionUrl = `${base}collections/${COLLECTION}`;
  return catalogue;
}
