/** MQTT topic filters, as a client needs them to tell which subscription a message answers. */

/** The filter without its `$share/<group>/` prefix: the part messages are matched against. */
export function filterOf(subscription: string): string {
  const m = /^\$share\/[^/]+\/(.+)$/.exec(subscription);
  return m?.at(1) ?? subscription;
}

/** MQTT 3.1.1 §4.7 matching: `+` one level, `#` the rest; `$` topics match no leading wildcard. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filterOf(filter).split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
