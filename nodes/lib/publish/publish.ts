import type { Dataset } from '../dataset';
import { Wis2Error, type Warning } from '../core/errors';
import { decodeJson } from '../intake';
import { oversizeReason } from '../wnm';
import { validateTopic, type TopicCheck } from '../wth';
import { isRecord } from '../core/json';
import { memo } from '../core/memo';

/**
 * The last check before a notification leaves for the WIS2 broker: the topic is a valid
 * publication topic of the dataset's centre and data policy, and the exact bytes that will be
 * sent fit the 8192-byte limit. The message is serialised once, here.
 */
export interface Publication {
  topic: string;
  payload: Buffer;
  bytes: number;
  qos: 1;
  retain: false;
  /** MQTT 5 Content Type: a WNM is a GeoJSON Feature */
  contentType: 'application/geo+json';
  /** the notification as read, for the checks that follow */
  message: Record<string, unknown>;
  warnings: Warning[];
}

export const WNM_CONTENT_TYPE = 'application/geo+json';

/**
 * Whether an outbox record is a publication prepared here (only these carry the notification's
 * content type), so that its payload is JSON text that has been parsed.
 */
export function isPreparedPublication(record: { contentType?: string }): boolean {
  return record.contentType === WNM_CONTENT_TYPE;
}

function refuse(code: string, message: string, path = ''): never {
  throw new Wis2Error('publish', code, message, path);
}

/**
 * A dataset publishes on one topic, so checking each message's topic again is wasted work: the
 * verdicts of the last topics seen are kept. Bounded, since a flow may set any msg.topic.
 */
const checkTopic = memo((topic: string): TopicCheck => validateTopic(topic, { mode: 'publication' }), 256);

/**
 * A notification announcing a file without `integrity` leaves receivers no way to check what they
 * download (WNM recommends it); a deletion announces no bytes, so it needs none.
 */
function missingIntegrity(properties: Record<string, unknown>, links: unknown): Warning | undefined {
  if (properties.integrity !== undefined) return undefined;
  if (Array.isArray(links) && links.some((l) => isRecord(l) && l.rel === 'deletion')) return undefined;
  const dataId = typeof properties.data_id === 'string' ? properties.data_id : '';
  return {
    code: 'publish.no_integrity',
    message: `${dataId || 'the notification'} is published without integrity: receivers cannot check the file they download`,
    path: '/properties/integrity',
  };
}

export function preparePublication(payload: unknown, topic: unknown, dataset?: Dataset): Publication {
  const warnings: Warning[] = [];
  if (typeof topic !== 'string' || topic === '') refuse('publish.no_topic', 'the message has no topic (msg.topic) and no dataset gives one');
  const check = checkTopic(topic);
  for (const problem of check.errors) {
    if (problem.code === 'centre-id-unknown' && dataset && check.centreId === dataset.centreId) {
      // the dataset already warned at deploy time that the register does not list its centre
      continue;
    }
    const hint = check.suggestedTopic ? ` (did you mean ${check.suggestedTopic}?)` : '';
    refuse('publish.invalid_topic', `"${topic}" is not a WIS2 publication topic: ${problem.message}${hint}`);
  }
  if (dataset) {
    if (check.centreId !== dataset.centreId) {
      refuse('publish.foreign_centre', `the topic belongs to centre "${check.centreId ?? ''}", not to the dataset's "${dataset.centreId}"`);
    }
    if (check.notificationType === 'data' && check.dataPolicy !== dataset.dataPolicy) {
      refuse('publish.data_policy', `the topic's data policy "${check.dataPolicy ?? ''}" is not the dataset's "${dataset.dataPolicy}"`);
    }
  }

  const given = Buffer.isBuffer(payload) ? payload : payload instanceof Uint8Array ? Buffer.from(payload) : typeof payload === 'string' ? Buffer.from(payload, 'utf8') : undefined;
  const givenOversize = given ? oversizeReason(given.length) : undefined;
  if (givenOversize) refuse('publish.too_large', givenOversize);
  let message: unknown;
  try {
    message = decodeJson(given ?? payload, { maxBytes: 64 * 1024, maxDepth: 64 });
  } catch (err) {
    if (err instanceof Wis2Error) refuse('publish.not_json', `the notification is not a JSON object: ${err.message}`, err.path);
    throw err;
  }
  if (!isRecord(message) || message.type !== 'Feature' || !isRecord(message.properties)) {
    refuse('publish.not_wnm', 'the payload is not a WIS2 notification (a GeoJSON Feature with properties)');
  }

  let changed = false;
  if (check.experimental && message.properties.cache !== false) {
    message.properties.cache = false;
    changed = true;
    warnings.push({
      code: 'publish.cache_false',
      message: 'experimental topic: properties.cache set to false, Global Caches are not expected to cache it',
      path: '/properties/cache',
    });
  }
  const integrity = missingIntegrity(message.properties, message.links);
  if (integrity) warnings.push(integrity);
  const bytes = given && !changed ? given : Buffer.from(JSON.stringify(message), 'utf8');
  const oversize = oversizeReason(bytes.length);
  if (oversize) refuse('publish.too_large', oversize);
  return { topic, payload: bytes, bytes: bytes.length, qos: 1, retain: false, contentType: WNM_CONTENT_TYPE, message, warnings };
}
