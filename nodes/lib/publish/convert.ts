import { parseCloudEvent, type CloudEvent, type MqttMessageLike } from '../cloudevent';
import type { Dataset } from '../dataset';
import { Wis2Error, type Warning } from '../core/errors';
import { memo } from '../core/memo';
import type { IntakeLimits } from '../intake';
import { readStacItem } from '../stac';
import { buildNotification, type BuildContext, type BuiltNotification, type DuplicateFile, type Operation } from '../wnm';

/** CloudEvent in, one notification per announced file out: the whole "CloudEvent to WNM" stage. */
export interface ConvertOptions {
  limits?: Partial<IntakeLimits>;
  /** the publication time; defaults to the clock */
  now?: Date;
  /** CloudEvent types accepted; others are refused */
  eventTypes?: RegExp;
  /** forces the link relation instead of deriving it from the event type */
  operation?: Operation;
  /** file bytes to inline: one buffer for a single file, or a map by asset key */
  inline?: Uint8Array | Readonly<Record<string, Uint8Array>>;
  /** the relation from what was announced before; see BuildContext.decide */
  decide?: BuildContext['decide'];
  /** undoes a decision of `decide` when the event is refused after it was made */
  release?: (dataId: string, fingerprint: string) => void;
}

export interface ConvertResult {
  event: CloudEvent;
  notifications: BuiltNotification[];
  /** files whose notification would repeat the last one announced for them */
  duplicates: DuplicateFile[];
  /**
   * What the conversion ignored or repaired in the event as a whole (CloudEvent and STAC Item):
   * each notification carries these too, before its own
   */
  warnings: Warning[];
}

// a producer sends a handful of event types, over and over
const operationOf = memo((type: string): Operation => {
  const last = (type.split(/[.:/]/).pop() ?? '').toLowerCase();
  if (/(?:delete|deleted|deletion|remove|removed)$/.test(last)) return 'deletion';
  if (/(?:update|updated|replace|replaced|modify|modified)$/.test(last)) return 'update';
  return 'canonical';
}, 64, 256);

/**
 * The link relation an event type implies. Producers name their types freely
 * (`fr.ifremer.file.diffusion`, `org.ogc.api.collection.item.delete`, `ObjectRemoved:Delete`),
 * so only the last token's verb is read; anything else announces new data.
 */
export function operationForEventType(type: string): Operation {
  return operationOf(type);
}

function inlineFor(options: ConvertOptions, key: string, single: boolean): Uint8Array | undefined {
  const { inline } = options;
  if (!inline) return undefined;
  if (inline instanceof Uint8Array) return single ? inline : undefined;
  return inline[key];
}

/**
 * Runs the whole conversion; throws a Wis2Error for the first problem found. Every file is
 * checked before any notification is returned, so an event is announced entirely or not at all.
 */
export function convertEvent(msg: MqttMessageLike, dataset: Dataset, options: ConvertOptions = {}): ConvertResult {
  const { event, data, warnings } = parseCloudEvent(msg, options.limits);
  if (options.eventTypes && !options.eventTypes.test(event.type)) {
    throw new Wis2Error('cloudevent', 'ce.type_not_accepted', `events of type "${event.type}" are not accepted here`, '/type');
  }
  const item = readStacItem(data, '/data');
  const operation = options.operation ?? operationForEventType(event.type);
  const now = options.now ?? new Date();
  const single = item.files.length === 1;
  const eventWarnings = item.warnings.length === 0 ? warnings : [...warnings, ...item.warnings];
  const notifications: BuiltNotification[] = [];
  const duplicates: DuplicateFile[] = [];
  // two files can only collide when there are two
  const dataIds = single ? undefined : new Set<string>();
  // A decision counts the file as on its way: if a later file refuses the event, nothing of it
  // is announced and a corrected copy must not be taken for a duplicate.
  const decided: [string, string][] = [];
  const { decide, release } = options;
  const tracked: BuildContext['decide'] = decide
    ? (dataId, fingerprint, requested) => {
        const d = decide(dataId, fingerprint, requested);
        if (d !== 'duplicate') decided.push([dataId, fingerprint]);
        return d;
      }
    : undefined;
  try {
    for (const file of item.files) {
      const inline = inlineFor(options, file.key, single);
      const ctx: BuildContext = { event, itemId: item.id, geometry: item.geometry, file, operation, now };
      if (inline) ctx.inline = inline;
      if (tracked) ctx.decide = tracked;
      const built = buildNotification(dataset, ctx);
      if (dataIds) {
        if (dataIds.has(built.dataId)) {
          throw new Wis2Error('dataset', 'data_id.duplicate', 'two announced files of the event map to the same data_id; check the data_id template', '/data/assets');
        }
        dataIds.add(built.dataId);
      }
      if ('duplicate' in built) {
        duplicates.push(built);
        continue;
      }
      if (eventWarnings.length > 0) built.warnings.unshift(...eventWarnings);
      notifications.push(built);
    }
  } catch (err) {
    if (release) for (const [dataId, fingerprint] of decided) release(dataId, fingerprint);
    throw err;
  }
  return { event, notifications, duplicates, warnings: [...eventWarnings] };
}

/** Every warning of a conversion once: the event's and each notification's own. */
export function allWarnings(result: Pick<ConvertResult, 'warnings' | 'notifications'>): Warning[] {
  if (result.warnings.length === 0 && result.notifications.every((n) => n.warnings.length === 0)) return [];
  const seen = new Set<string>();
  const out: Warning[] = [];
  for (const w of [result.warnings, ...result.notifications.map((n) => n.warnings)].flat()) {
    const key = `${w.code}\u0000${w.path}\u0000${w.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(w);
  }
  return out;
}
