import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { convertEvent } from '../../nodes/lib/convert';
import { resolveDataset } from '../../nodes/lib/dataset';
import { validateWnm } from '../../nodes/lib/wnm/suite';
import { ARGO } from '../helpers/fixtures';
import { reference, readJson } from '../helpers/reference';

export interface Rate {
  name: string;
  unit: string;
  perSecond: number;
  /** against schema-only ajv validation of the official schema, measured in the same run */
  ratio?: number;
}

/** Runs `fn` over all inputs for several rounds and keeps the median rate. */
function measure<T>(inputs: T[], fn: (x: T) => unknown, rounds = 7): number {
  for (let i = 0; i < Math.min(inputs.length, 2000); i++) fn(inputs[i]);
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (const x of inputs) fn(x);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(inputs.length / seconds);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

/** Synthetic Argo profile events: the NetCDF sample with a different float and cycle each time. */
export function argoEvents(count: number): Buffer[] {
  const sample = readJson(reference('ifremer', 'event-message', 'netcdf-creation-cloudevent.json')) as {
    id: string;
    data: { id: string; assets: Record<string, Record<string, unknown>>; properties: Record<string, unknown> };
  };
  const asset = sample.data.assets['R7901113_022.nc'] ?? {};
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const wmo = String(6900000 + (i % 9973));
    const cycle = String(i % 1000).padStart(3, '0');
    const name = `R${wmo}_${cycle}.nc`;
    const ev = {
      ...sample,
      id: `Profile${wmo}_${cycle}`,
      data: {
        ...sample.data,
        id: `Profile${wmo}_${cycle}`,
        assets: { [name]: { ...asset, href: `https://data-argo.ifremer.fr/dac/coriolis/${wmo}/profiles/${name}`, title: `Profile file ${name}` } },
      },
    };
    out.push(Buffer.from(JSON.stringify(ev)));
  }
  return out;
}

export function libraryBench(count: number): Rate[] {
  const dataset = resolveDataset(ARGO);
  const events = argoEvents(count);
  const wnms = events.map((e) => Buffer.from(convertEvent({ payload: e }, dataset).notifications[0]?.json ?? ''));

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const official = ajv.compile(JSON.parse(fs.readFileSync(reference('wnm', 'wis2-notification-message-bundled.json'), 'utf8')) as object);
  for (const w of wnms) if (!official(JSON.parse(w.toString('utf8')))) throw new Error('a generated WNM is not valid');

  const baseline = measure(wnms, (b) => official(JSON.parse(b.toString('utf8'))));
  const convert = measure(events, (e) => convertEvent({ payload: e }, dataset));
  const suite = measure(wnms, (b) => validateWnm(b));
  return [
    { name: 'schema-only: JSON.parse + ajv, official WNM schema (baseline)', unit: 'msg/s', perSecond: baseline, ratio: 1 },
    { name: 'CloudEvent to WNM: intake + CloudEvent + STAC + WNM', unit: 'events/s', perSecond: convert, ratio: convert / baseline },
    { name: 'WNM test suite: schema + every abstract test', unit: 'msg/s', perSecond: suite, ratio: suite / baseline },
  ];
}
