import fs from 'node:fs';
import path from 'node:path';
import { readJson, reference, repoRoot } from '../../helpers/reference';
import type { MqttMessageLike } from '../../../nodes/lib/cloudevent';

/** The project's sample events (flows/samples), present in every setup. */
export const SAMPLE_DIR = path.join(repoRoot, 'flows', 'samples');
export const SAMPLE_FILES: string[] = fs.readdirSync(SAMPLE_DIR).filter((n) => n.endsWith('.json')).sort();

/** The events of Ifremer's own pipeline, part of the reference data. */
export const IFREMER_DIR = 'ifremer/event-message';
export const IFREMER_FILES = ['bufr-creation-cloudevent.json', 'netcdf-creation-cloudevent.json'] as const;

export type JsonObject = Record<string, unknown>;

export function samplePath(name: string): string {
  return path.join(SAMPLE_DIR, name);
}

export function ifremerPath(name: (typeof IFREMER_FILES)[number]): string {
  return reference(IFREMER_DIR, name);
}

/** A fresh copy of a sample event (by default a real-time NetCDF profile), safe to mutate. */
export function sample(name = 'coriolis-R6903580_147.json'): JsonObject {
  return readJson(samplePath(name)) as JsonObject;
}

/**
 * The same event as an MQTT 5 binary-mode message: attributes in user properties (values in
 * their canonical string form), datacontenttype as the content type, data as the payload bytes.
 */
export function toBinary(event: JsonObject): MqttMessageLike {
  const userProperties: Record<string, unknown> = {};
  let contentType: string | undefined;
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || name === 'data_base64' || value === null) continue;
    if (name === 'datacontenttype') contentType = value as string;
    else userProperties[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const msg: MqttMessageLike = { payload: Buffer.from(JSON.stringify(event.data)), userProperties };
  if (contentType !== undefined) msg.contentType = contentType;
  return msg;
}
