/** MQTT topic filters, as a client needs them to tell which subscription a message answers. */

const SHARE = '$share/';
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

/** The filter without its `$share/<group>/` prefix: the part messages are matched against. */
export function filterOf(subscription: string): string {
  return subscription.slice(filterStart(subscription));
}

/** Where the part of a subscription that messages are matched against begins. */
function filterStart(subscription: string): number {
  if (!subscription.startsWith(SHARE)) return 0;
  const slash = subscription.indexOf('/', SHARE.length);
  // a group of one character or more and a filter after it; else the whole text is the filter
  return slash > SHARE.length && slash + 1 < subscription.length ? slash + 1 : 0;
}

/** The end of the level that begins at `from`: the next slash, or the end of the text. */
function levelEnd(text: string, from: number): number {
  const slash = text.indexOf('/', from);
  return slash < 0 ? text.length : slash;
}

/** Whether `text` holds only `char` from `from` to `end`. */
function isWildcard(text: string, from: number, end: number, char: number): boolean {
  return end - from === 1 && text.charCodeAt(from) === char;
}

/**
 * MQTT 3.1.1 §4.7 matching: `+` one level, `#` the rest; `$` topics match no leading wildcard.
 * Level by level in place: it runs for every message a client receives, so it builds nothing.
 */
export function topicMatches(filter: string, topic: string): boolean {
  let f = filterStart(filter);
  let t = 0;
  let fEnd = levelEnd(filter, f);
  if (topic.charCodeAt(0) === DOLLAR && (isWildcard(filter, f, fEnd, PLUS) || isWildcard(filter, f, fEnd, HASH))) return false;
  for (;;) {
    if (isWildcard(filter, f, fEnd, HASH)) return true;
    // the topic has fewer levels than the filter
    if (t > topic.length) return false;
    const tEnd = levelEnd(topic, t);
    if (!isWildcard(filter, f, fEnd, PLUS)) {
      if (tEnd - t !== fEnd - f) return false;
      for (let i = 0; i < fEnd - f; i++) if (filter.charCodeAt(f + i) !== topic.charCodeAt(t + i)) return false;
    }
    const filterDone = fEnd === filter.length;
    const topicDone = tEnd === topic.length;
    if (filterDone) return topicDone;
    f = fEnd + 1;
    t = tEnd + 1;
    fEnd = levelEnd(filter, f);
  }
}
