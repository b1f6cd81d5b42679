import type { PublishedLookup } from '../lib/feedback/monitor';

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
