import type { OwnNotifications } from '../lib/feedback/cache-tracker';
import type { PublishedLookup } from '../lib/feedback/monitor';
import { topicMatches } from '../lib/publish/mqtt-topic';

/**
 * What each dataset published that the runtime can look up, by dataset config node id: the cache
 * tracker of the dataset registers what it remembers, and the monitor links the Global Services'
 * events to it. One registry per runtime process.
 */
const lookups = new Map<string, Set<PublishedLookup>>();

export function registerPublished(dataset: string, lookup: PublishedLookup): () => void {
  let set = lookups.get(dataset);
  if (!set) {
    set = new Set();
    lookups.set(dataset, set);
  }
  set.add(lookup);
  return () => {
    set.delete(lookup);
    if (set.size === 0) lookups.delete(dataset);
  };
}

export function publishedLookups(dataset: string): PublishedLookup[] {
  return [...(lookups.get(dataset) ?? [])];
}

/**
 * The cache trackers that read our notifications back from the Global Broker, each with the
 * topic filter it reads them on: every publisher of the runtime tells them what it queues on a
 * topic they read, so that they know it when it comes back.
 */
const readBacks = new Set<{ filter: string; own: OwnNotifications }>();

export function registerReadBack(filter: string, own: OwnNotifications): () => void {
  const entry = { filter, own };
  readBacks.add(entry);
  return () => {
    readBacks.delete(entry);
  };
}

/** A notification queued for publication on `topic`: its exact bytes and the object they encode. */
export function queuedForReadBack(topic: string, bytes: Uint8Array, message: unknown): void {
  for (const r of readBacks) if (topicMatches(r.filter, topic)) r.own.expect(bytes, message);
}
