/**
 * Remembers the answers of a pure function of a string. Records of one dataset repeat their
 * channels, centre ids and relations, a dataset publishes on one topic, and a misconfigured
 * node repeats the same wrong value on every message, so each distinct value is worked out once.
 * The memory is bounded: when full it starts afresh, which keeps the common values and costs
 * nothing to maintain. Keys longer than `maxKeyLength` are worked out every time, so that hostile
 * input of the largest accepted size cannot make the memory hold that much text many times over.
 */
export function memo<R>(fn: (key: string) => R, max = 1024, maxKeyLength = Infinity): (key: string) => R {
  let cache = new Map<string, R>();
  return (key: string): R => {
    if (key.length > maxKeyLength) return fn(key);
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as R;
    const value = fn(key);
    if (cache.size >= max) cache = new Map<string, R>();
    cache.set(key, value);
    return value;
  };
}
