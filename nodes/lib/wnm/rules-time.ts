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

import { epochMs, isLeapSecondPlace, scanDateTime, type DateTimeFault } from '../core/time';

export interface DateTimeCheck {
  /** Milliseconds since the epoch (fractions beyond milliseconds dropped). */
  epochMs: number;
  utc: boolean;
}

const NOT_RFC3339 = 'is not an RFC 3339 date-time (expected e.g. 2026-08-20T10:00:00Z)';
const FAULTS: Record<DateTimeFault, string> = {
  syntax: NOT_RFC3339,
  space: 'separates date and time with a space; RFC 3339 requires T',
  'no-offset': 'has no UTC offset; RFC 3339 requires one (write Z for UTC)',
  offset: 'is not an RFC 3339 date-time: no such UTC offset',
  date: 'is not an RFC 3339 date-time: no such calendar date',
  time: 'is not an RFC 3339 date-time: no such time of day',
};

/**
 * Returns the parsed instant, or the reason the text is not an RFC 3339 date-time. Without
 * `instant`, `epochMs` is NaN: most callers only need to know whether the text is valid and UTC.
 */
export function checkDateTime(text: string, instant = true): DateTimeCheck | string {
  const parts = scanDateTime(text);
  if (typeof parts === 'string') return FAULTS[parts];
  if (!isLeapSecondPlace(parts)) return 'is not an RFC 3339 date-time: a leap second can only be 23:59:60 UTC';
  return { epochMs: instant ? epochMs(parts) : Number.NaN, utc: parts.utc };
}

/** Explains why a valid RFC 3339 date-time is not UTC. */
export function notUtcMessage(text: string): string {
  if (text.endsWith('-00:00')) {
    return 'has offset -00:00, which RFC 3339 §4.3 reserves for "local offset unknown"; UTC is written Z (or +00:00)';
  }
  return `is not in UTC (offset ${text.slice(-6)}); write it in UTC with Z`;
}
