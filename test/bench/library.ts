import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { queuedForReadBack, registerReadBack } from '../../nodes/common/published';
import { CacheTracker, readBackFilter } from '../../nodes/lib/feedback/cache-tracker';
import { Announcements } from '../../nodes/lib/publish/announce';
import { convertEvent } from '../../nodes/lib/publish/convert';
import { resolveDataset, type Dataset } from '../../nodes/lib/dataset';
import { Journal } from '../../nodes/lib/reliability/journal';
import { AnnouncementMemory } from '../../nodes/lib/reliability/memory';
import { encodeHeader } from '../../nodes/lib/reliability/inbox-record';
import { Outbox, type PublishTarget } from '../../nodes/lib/reliability/outbox';
import { logSent, PublishedLog } from '../../nodes/lib/reliability/published-log';
import { RANK, TurnWrites } from '../../nodes/lib/reliability/turn-writes';
import { topicMatches } from '../../nodes/lib/publish/mqtt-topic';
import { isPreparedPublication, preparePublication, type Publication } from '../../nodes/lib/publish/publish';
import { validateWcmp } from '../../nodes/lib/wcmp';
import { validateWnm } from '../../nodes/lib/wnm';
import { ARGO } from '../helpers/fixtures';
import { listJson, reference, readJson } from '../helpers/reference';
import { officialWcmpValidator } from '../unit/wcmp/helpers';
import { median } from './stats';

export interface Rate {
  name: string;
  unit: string;
  perSecond: number;
  /** against the schema-only baseline of its group, measured in the same run */
  ratio?: number;
}

const ROUNDS = 7;

/** Records per second of one pass of `fn` over `inputs`. */
function once<T>(inputs: readonly T[], fn: (x: T) => unknown): number {
  const start = process.hrtime.bigint();
  for (const x of inputs) fn(x);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return inputs.length / seconds;
}

/** Runs `fn` over all inputs for several rounds and keeps the median rate. */
function measure<T>(inputs: readonly T[], fn: (x: T) => unknown): number {
  for (let i = 0; i < Math.min(inputs.length, 2000); i++) fn(inputs[i]);
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rates.push(once(inputs, fn));
  return median(rates);
}

/**
 * A baseline and a candidate on the same inputs, round after round in turn, so both see the
 * same state of caches and the same load of the machine; the median round of each is kept.
 */
function compare<T>(inputs: readonly T[], baseline: (x: T) => unknown, candidate: (x: T) => unknown): { baseline: number; candidate: number } {
  for (let i = 0; i < Math.min(inputs.length, 2000); i++) {
    baseline(inputs[i]);
    candidate(inputs[i]);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(once(inputs, baseline));
    b.push(once(inputs, candidate));
  }
  return { baseline: median(a), candidate: median(b) };
}

/**
 * Synthetic Argo profile events: the NetCDF sample with a different float and cycle each time,
 * and times of their own (the event's, the profile's and the file's), a second apart, written as
 * the sample writes them: a stream of real events repeats none of them.
 */
export function argoEvents(count: number): Buffer[] {
  const sample = readJson(reference('ifremer', 'event-message', 'netcdf-creation-cloudevent.json')) as {
    id: string;
    time: string;
    data: { id: string; assets: Record<string, Record<string, unknown>>; properties: Record<string, unknown> };
  };
  const asset = sample.data.assets['R7901113_022.nc'] ?? {};
  const eventTime = Date.parse(sample.time);
  const profileTime = Date.parse(String(sample.data.properties.datetime));
  const fileTime = Date.parse(String(asset.created));
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const wmo = String(6900000 + (i % 9973));
    const cycle = String(i % 1000).padStart(3, '0');
    const name = `R${wmo}_${cycle}.nc`;
    const ev = {
      ...sample,
      id: `Profile${wmo}_${cycle}`,
      // 2025-03-28T14:31:00Z, 2024-11-09T21:08:00.000000Z and 2024-11-10T00:35:00.00Z in the sample
      time: new Date(eventTime + i * 1000).toISOString().replace('.000Z', 'Z'),
      data: {
        ...sample.data,
        id: `Profile${wmo}_${cycle}`,
        properties: { ...sample.data.properties, datetime: new Date(profileTime + i * 1000).toISOString().replace('Z', '000Z') },
        assets: {
          [name]: {
            ...asset,
            href: `https://data-argo.ifremer.fr/dac/coriolis/${wmo}/profiles/${name}`,
            title: `Profile file ${name}`,
            created: new Date(fileTime + i * 1000).toISOString().replace(/\.\d{3}Z$/, '.00Z'),
          },
        },
      },
    };
    out.push(Buffer.from(JSON.stringify(ev)));
  }
  return out;
}

/** CloudEvent to WNM and the WNM suite, beside JSON.parse + ajv with the official WNM schema. */
function wnmBench(count: number): Rate[] {
  const dataset = resolveDataset(ARGO);
  const events = argoEvents(count);
  const wnms = events.map((e) => Buffer.from(JSON.stringify(convertEvent({ payload: e }, dataset).notifications[0]?.message ?? null)));

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const official = ajv.compile(JSON.parse(fs.readFileSync(reference('wnm', 'wis2-notification-message-bundled.json'), 'utf8')) as object);
  for (const w of wnms) if (!official(JSON.parse(w.toString('utf8')))) throw new Error('a generated WNM is not valid');

  const pair = compare(wnms, (b) => official(JSON.parse(b.toString('utf8'))), (b) => validateWnm(b));
  const convert = measure(events, (e) => convertEvent({ payload: e }, dataset));
  return [
    { name: 'schema-only: JSON.parse + ajv, official WNM schema (baseline)', unit: 'msg/s', perSecond: pair.baseline, ratio: 1 },
    { name: 'CloudEvent to WNM: intake + CloudEvent + STAC + WNM', unit: 'events/s', perSecond: convert, ratio: convert / pair.baseline },
    { name: 'WNM test suite: schema + every abstract test', unit: 'msg/s', perSecond: pair.candidate, ratio: pair.candidate / pair.baseline },
    ...argoPathBench(events, dataset),
  ];
}

/** A broker that acknowledges every publish at once: the outbox's own work, without a network. */
const instantBroker: PublishTarget = {
  connected: true,
  publish: (_topic, _payload, _options, callback) => {
    callback();
  },
  on: () => undefined,
  removeListener: () => undefined,
};

/** Events in a turn of a busy event loop: its writes are flushed together, then its acknowledgements. */
const ACKS_PER_TURN = 100;

/**
 * The shipped monitoring tab's cache tracker beside the path: told of each notification as the
 * publisher queues it, as the WIS2 publish node tells it, and taking it back from the Global
 * Broker in a later turn, as the cache tracker node does, from a copy of its bytes (the socket's).
 */
function trackerReadingBack(dir: string, turn: TurnWrites, dataset: Dataset) {
  const tracker = CacheTracker.open({ file: path.join(dir, 'tracker'), turn: { writes: turn, onError: (err) => { throw err; } } });
  const filter = readBackFilter(dataset.centreId);
  const unregister = registerReadBack(filter, tracker.own);
  let coming: { topic: string; bytes: Buffer }[] = [];
  return {
    queued(p: Publication): void {
      queuedForReadBack(p.topic, p.payload, p.message);
      coming.push({ topic: p.topic, bytes: Buffer.from(p.payload) });
    },
    readBack(): void {
      for (const r of coming) if (topicMatches(filter, r.topic)) tracker.publishedNotification(r.bytes, r.topic);
      coming = [];
    },
    /** every notification read back was known without parsing: the path timed is the one a runtime runs */
    check(events: number): void {
      if (tracker.own.known !== events) throw new Error(`the tracker knew ${tracker.own.known} of ${events} notifications read back`);
    },
    close(): void {
      unregister();
      tracker.close();
    },
  };
}

/**
 * One pass of the Argo flow's work over `events` in this process, in the order the nodes do it:
 * the input's journal, CloudEvent to WNM with the announcement memory deciding, the WNM suite,
 * the publication checks, the outbox (its journal, and its send to an instant broker), the
 * memory line, then the acknowledgements, with the log of published notifications that the
 * broker node keeps, and the shipped monitoring tab's cache tracker reading each notification
 * back (trackerReadingBack), remembering it in its own memory file. The journals and the
 * memories write at the end of each turn, as the runtime's do (TurnWrites), and the log just
 * before the acknowledgements. What is left out is Node-RED and MQTT, so the rate is what the
 * flow could reach with them free. Fresh journals and memories each round, in a temporary
 * directory; events per second of the loop alone. `readBack` false leaves the tracker out, as
 * a runtime without the monitoring tab runs.
 */
export function argoPathOnce(events: readonly Buffer[], dataset: Dataset, readBack = true): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-bench-path-'));
  // flushed at the end of each turn below, as the runtime's is by the event loop
  const turn = new TurnWrites(() => undefined);
  const inbox = Journal.open({ dir: path.join(dir, 'inbox'), turn, rank: RANK.inbox });
  const journal = Journal.open({ dir: path.join(dir, 'outbox'), turn, rank: RANK.outbox });
  const outbox = new Outbox(journal, instantBroker);
  const published = new PublishedLog(path.join(dir, 'published'), 7, undefined, true);
  logSent(
    outbox,
    published,
    (err) => {
      throw err;
    },
    isPreparedPublication,
  );
  const memory = AnnouncementMemory.open({ file: path.join(dir, 'memory'), turn, rank: RANK.memory });
  const announcements = new Announcements(memory);
  const tracker = readBack ? trackerReadingBack(dir, turn, dataset) : undefined;
  const options = {
    decide: announcements.decide.bind(announcements),
    release: announcements.release.bind(announcements),
  };
  let finished: number[] = [];
  try {
    const start = process.hrtime.bigint();
    events.forEach((payload, i) => {
      // the input's record holds the topic and flags beside the payload, written as the reliable
      // input writes it: header and payload framed in the journal's record, with no copy between
      const seq = inbox.appendFramed(encodeHeader({ topic: 'diffusion/files/coriolis/argo/bench', payload, qos: 1, retain: false }), payload).seq;
      const { notifications } = convertEvent({ payload }, dataset, options);
      for (const n of notifications) {
        const report = validateWnm(n.message);
        if (report['ets-report'].summary.FAILED !== 0) throw new Error('a generated WNM fails the WNM suite');
        const p = preparePublication(n.message, n.topic, dataset);
        outbox.enqueue({ topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, contentType: p.contentType });
        tracker?.queued(p);
        announcements.confirm(n.dataId, n.fingerprint, n.operation);
      }
      finished.push(seq);
      if ((i + 1) % ACKS_PER_TURN === 0) {
        if (!turn.flush()) throw new Error('a write failed');
        inbox.ackMany(finished);
        finished = [];
        outbox.flush();
        tracker?.readBack();
      }
    });
    if (!turn.flush()) throw new Error('a write failed');
    inbox.ackMany(finished);
    outbox.flush();
    tracker?.readBack();
    if (!turn.flush()) throw new Error('a write failed');
    tracker?.check(events.length);
    return events.length / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    tracker?.close();
    outbox.close();
    published.close();
    journal.close();
    inbox.close();
    memory.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The path, and the same without the tracker's read-back, their rounds in turns so that a
 * machine whose speed drifts weighs on both alike: what the read-back costs is their difference.
 */
function argoPathBench(events: readonly Buffer[], dataset: Dataset): Rate[] {
  argoPathOnce(events.slice(0, 2000), dataset);
  argoPathOnce(events.slice(0, 2000), dataset, false);
  const rates: number[] = [];
  const without: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    rates.push(argoPathOnce(events, dataset));
    without.push(argoPathOnce(events, dataset, false));
  }
  return [
    { name: ARGO_PATH, unit: 'events/s', perSecond: median(rates) },
    { name: ARGO_PATH_NO_READ_BACK, unit: 'events/s', perSecond: median(without) },
  ];
}

export const ARGO_PATH = 'Argo path in process: journals, conversion, WNM suite, publish checks, memory, read-back';
export const ARGO_PATH_NO_READ_BACK = 'the same without the cache tracker\'s read-back';

/**
 * The WCMP suite (14 abstract tests and the report) beside JSON.parse + ajv with the official
 * WCMP2 schema, compiled as the unit tests compile it (its broken `samples` $ref mended), on
 * the official example records given as bytes, the way a node receives them.
 */
function wcmpBench(): Rate[] {
  const files = listJson(reference('wcmp2', 'examples'));
  const records = files.map((f) => fs.readFileSync(f));
  const official = officialWcmpValidator();
  records.forEach((r, i) => {
    // a record failing either side would time an error path, not the one deployments run
    if (!official(JSON.parse(r.toString('utf8')))) throw new Error(`${files[i] ?? ''} fails the official WCMP2 schema`);
    if (validateWcmp(r).tests.some((t) => t.code === 'FAILED')) throw new Error(`${files[i] ?? ''} fails the WCMP suite`);
  });
  // 17 records make a round too short to time: each round runs them many times over
  const inputs = Array.from({ length: Math.ceil(3000 / records.length) }, () => records).flat();
  const pair = compare(inputs, (b) => official(JSON.parse(b.toString('utf8'))), (b) => validateWcmp(b));
  return [
    { name: `schema-only: JSON.parse + ajv, official WCMP2 schema (baseline, ${records.length} examples)`, unit: 'records/s', perSecond: pair.baseline, ratio: 1 },
    { name: 'WCMP test suite: 14 abstract tests + report', unit: 'records/s', perSecond: pair.candidate, ratio: pair.candidate / pair.baseline },
  ];
}

export function libraryBench(count: number): Rate[] {
  return [...wnmBench(count), ...wcmpBench()];
}
