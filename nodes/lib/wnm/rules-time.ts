/**
 * RFC 3339 date-times as the WNM standard uses them (/req/core/pubtime B-C, /req/core/temporal B-C).
 *
 * Decisions, each argued in the test suite's tests:
 * - `T`/`t` and `Z`/`z`: RFC 3339 §5.6 defines the grammar in ABNF, whose literals are
 *   case-insensitive, and its note says lower case may be used; `z` is UTC. Accepted.
 * - A space instead of `T` is not in the grammar (§5.6 only allows it by mutual agreement). Refused.
 * - `+00:00` is UTC. `-00:00` is not: §4.3 gives it the meaning "UTC time known, local offset
 *   unknown", explicitly different from `Z`/`+00:00`, which make UTC the reference point. Refused
 *   as not UTC.
 * - Any number of fraction digits (the standard's own pubtime example has nanoseconds).
 * - Second 60 only where a leap second can fall: 23:59:60 in UTC.
 */

export interface DateTimeCheck {
  /** Milliseconds since the epoch (fractions beyond milliseconds dropped). */
  epochMs: number;
  utc: boolean;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The value of `count` decimal digits at `at`, or -1. Read by hand: this runs on every message. */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}

const NOT_RFC3339 = 'is not an RFC 3339 date-time (expected e.g. 2026-08-20T10:00:00Z)';
const HYPHEN = 45;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const FOUR_CENTURIES_MS = 146097 * 86_400_000;

/**
 * Returns the parsed instant, or the reason the text is not an RFC 3339 date-time:
 * `date-fullyear "-" date-month "-" date-mday "T" time-hour ":" time-minute ":" time-second
 * [time-secfrac] time-offset`.
 */
export function checkDateTime(text: string): DateTimeCheck | string {
  const length = text.length;
  if (length < 20 || text.charCodeAt(4) !== HYPHEN || text.charCodeAt(7) !== HYPHEN || text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) {
    return NOT_RFC3339;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return NOT_RFC3339;
  const separator = text.charAt(10);
  if (separator === ' ') return 'separates date and time with a space; RFC 3339 requires T';
  if (separator !== 'T' && separator !== 't') return NOT_RFC3339;

  let at = 19;
  let fractionMs = 0;
  if (text.charCodeAt(at) === DOT) {
    const from = ++at;
    while (digits(text, at, 1) >= 0) at++;
    if (at === from) return NOT_RFC3339;
    fractionMs = Math.floor(Number('0.' + text.slice(from, at)) * 1000);
  }
  let offsetMinutes = 0;
  let utc = true;
  const zone = text.charAt(at);
  if (zone === 'Z' || zone === 'z') {
    if (at + 1 !== length) return NOT_RFC3339;
  } else if (zone === '+' || zone === '-') {
    if (at + 6 !== length || text.charCodeAt(at + 3) !== COLON) return NOT_RFC3339;
    const offH = digits(text, at + 1, 2);
    const offM = digits(text, at + 4, 2);
    if (offH < 0 || offM < 0) return NOT_RFC3339;
    if (offH > 23 || offM > 59) return 'is not an RFC 3339 date-time: no such UTC offset';
    offsetMinutes = (zone === '-' ? -1 : 1) * (offH * 60 + offM);
    utc = offsetMinutes === 0 && text.charCodeAt(at) === PLUS;
  } else {
    return at === length ? 'has no UTC offset; RFC 3339 requires one (write Z for UTC)' : NOT_RFC3339;
  }

  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return 'is not an RFC 3339 date-time: no such calendar date';
  if (hour > 23 || minute > 59 || second > 60) return 'is not an RFC 3339 date-time: no such time of day';
  if (second === 60) {
    const utcMinuteOfDay = (((hour * 60 + minute - offsetMinutes) % 1440) + 1440) % 1440;
    if (utcMinuteOfDay !== 1439) return 'is not an RFC 3339 date-time: a leap second can only be 23:59:60 UTC';
  }
  // Date.UTC reads years 0-99 as 1900-1999; shifting by 400 Gregorian years (a whole number of
  // days) keeps the calendar exact.
  const utcMs = year < 100
    ? Date.UTC(year + 400, month - 1, day, hour, minute, Math.min(second, 59)) - FOUR_CENTURIES_MS
    : Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  const epochMs = utcMs - offsetMinutes * 60000 + fractionMs;
  return { epochMs, utc };
}

/** Explains why a valid RFC 3339 date-time is not UTC. */
export function notUtcMessage(text: string): string {
  if (text.endsWith('-00:00')) {
    return 'has offset -00:00, which RFC 3339 §4.3 reserves for "local offset unknown"; UTC is written Z (or +00:00)';
  }
  return `is not in UTC (offset ${text.slice(-6)}); write it in UTC with Z`;
}
