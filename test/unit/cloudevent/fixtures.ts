import { readJson, reference } from '../../helpers/reference';
import type { MqttMessageLike } from '../../../nodes/lib/cloudevent';

export const SAMPLE_FILES = ['bufr-creation-cloudevent.json', 'netcdf-creation-cloudevent.json'] as const;

export type JsonObject = Record<string, unknown>;

export function samplePath(name: (typeof SAMPLE_FILES)[number]): string {
  return reference('ifremer', 'event-message', name);
}

/** A fresh copy of an Ifremer sample event, safe to mutate. */
export function sample(name: (typeof SAMPLE_FILES)[number] = 'netcdf-creation-cloudevent.json'): JsonObject {
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
