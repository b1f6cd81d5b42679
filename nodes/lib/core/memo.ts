/**
 * Remembers the answers of a pure function of a string. Records of one dataset repeat their
 * channels, centre ids and relations, a dataset publishes on one topic, and a misconfigured
 * node repeats the same wrong value on every message, so each distinct value is worked out once.
 * The memory is bounded: when full it starts afresh, which keeps the common values and costs
 * nothing to maintain.
 */
export function memo<R>(fn: (key: string) => R, max = 1024): (key: string) => R {
  let cache = new Map<string, R>();
  return (key: string): R => {
    if (cache.has(key)) return cache.get(key) as R;
    const value = fn(key);
    if (cache.size >= max) cache = new Map<string, R>();
    cache.set(key, value);
    return value;
  };
}
