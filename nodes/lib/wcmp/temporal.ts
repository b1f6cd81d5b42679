/**
 * Dates and times as WCMP2 writes them: calendar dates, UTC date-times, open ends, time
 * resolutions. Shared by /conf/core/extent_temporal and the time-interval KPI.
 */
import { epochMs, readCalendarDate, readTimeOfDay, scanDateTime, type DateTimeParts } from '../core/time';
import type { Findings } from './report';
import { has, member, show } from './json';
import { pointer } from '../core/errors';
import { isRecord } from '../core/json';

/** ISO 8601 duration as the standard's schema writes it. */
export const DURATION = /^(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** A time as a span of instants (milliseconds), so that 2020 and 2020-06 compare sensibly. */
export interface Span {
  kind: 'calendar' | 'time-of-day' | 'open';
  start: number;
  end: number;
}

const OPEN: Span = { kind: 'open', start: -Infinity, end: Infinity };

/**
 * A date-time as WCMP2 reads it: RFC 3339 with the calendar and the clock checked, a second 60
 * taken wherever it falls.
 */
function dateTime(value: string): DateTimeParts | undefined {
  const parts = scanDateTime(value);
  return typeof parts === 'string' ? undefined : parts;
}

/** A UTC date-time written with an upper-case `T` and `Z`, the form time.timestamp takes. */
function utcDateTime(value: string): DateTimeParts | undefined {
  return value.charAt(10) === 'T' && value.endsWith('Z') ? dateTime(value) : undefined;
}

/** Reads one interval bound; undefined when it is not one of the forms WCMP2 allows. */
export function readBound(value: string): Span | undefined {
  if (value === '..') return OPEN;
  const date = readCalendarDate(value);
  if (date) return { kind: 'calendar', ...date };
  // The common YYYY-MM-DDThh:mm:ssZ also allows a lower-case t.
  const parts = value.length === 20 && value.endsWith('Z') ? dateTime(value) : utcDateTime(value);
  if (parts) {
    const t = epochMs(parts, true);
    return { kind: 'calendar', start: t, end: t };
  }
  const t = readTimeOfDay(value);
  return t === undefined ? undefined : { kind: 'time-of-day', start: t, end: t };
}

export function isCalendarDate(value: string): boolean {
  return value.length === 10 && readCalendarDate(value) !== undefined;
}

export function isUtcDateTime(value: string): boolean {
  return utcDateTime(value) !== undefined;
}

/** RFC 3339 section 5.6 date-time, calendar checked; returns epoch milliseconds or undefined. */
export function readRfc3339(value: string): number | undefined {
  const parts = dateTime(value);
  return parts && epochMs(parts);
}

/**
 * Whether a begin bound comes after an end bound. Only calendar times compare: two times of day
 * may describe a daily window across midnight.
 */
export function beginsAfterEnd(begin: Span, end: Span): boolean {
  if (begin.kind !== 'calendar' || end.kind !== 'calendar') return false;
  return begin.start > end.end;
}

const TIME_KINDS = ['date', 'timestamp', 'interval'] as const;
const RULE_A = '/req/core/extent_temporal A';
const RULE_B = '/req/core/extent_temporal B';
const RULE_C = '/req/core/extent_temporal C';
const REC_A = '/rec/core/extent_temporal A';

export function checkTime(record: unknown, f: Findings): void {
  if (!has(record, 'time')) {
    f.fail('missing', '/time', RULE_A, 'the record has no time member (use null when no time applies, /per/core/extent_service)');
    return;
  }
  const time = member(record, 'time');
  if (time === null) return;
  if (!isRecord(time)) {
    f.fail('not_object', '/time', RULE_B, `time is an object giving a date, a timestamp or an interval, or null; not ${show(time)}`);
    return;
  }
  const given = TIME_KINDS.filter((k) => has(time, k));
  if (given.length === 0) {
    f.fail('none_of', '/time', RULE_B, 'time gives none of date, timestamp or interval; give exactly one, or make time null');
  } else if (given.length > 1) {
    f.fail('several', '/time', RULE_B, `time gives ${given.join(' and ')}; it gives exactly one of date, timestamp or interval`);
  }
  const date = member(time, 'date');
  if (date !== undefined && !(typeof date === 'string' && isCalendarDate(date))) {
    f.fail('date', '/time/date', RULE_C, `time.date is a calendar date YYYY-MM-DD, not ${show(date)}`);
  }
  const timestamp = member(time, 'timestamp');
  if (timestamp !== undefined && !(typeof timestamp === 'string' && isUtcDateTime(timestamp))) {
    f.fail('timestamp', '/time/timestamp', RULE_C, `time.timestamp is an RFC 3339 date-time in UTC (YYYY-MM-DDThh:mm:ssZ), not ${show(timestamp)}`);
  }
  if (has(time, 'interval')) checkInterval(member(time, 'interval'), f);
  if (has(time, 'resolution')) {
    const resolution = member(time, 'resolution');
    if (!(typeof resolution === 'string' && DURATION.test(resolution))) {
      f.fail('resolution', '/time/resolution', REC_A, `Invalid time resolution: time.resolution is an ISO 8601 duration such as PT1H or P1D, not ${show(resolution)}`);
    }
  }
}

function checkInterval(interval: unknown, f: Findings): void {
  const path = '/time/interval';
  if (!Array.isArray(interval) || interval.length !== 2) {
    f.fail('interval', path, RULE_B, `time.interval is an array of exactly two bounds [begin, end], not ${show(interval)}`);
    return;
  }
  const spans: (Span | undefined)[] = interval.map((bound, i) => {
    const span = typeof bound === 'string' ? readBound(bound) : undefined;
    if (!span) {
      f.fail('interval_bound', pointer(path, i), RULE_C, `interval bounds are a date, a UTC date-time or '..' for an open end, not ${show(bound)}`);
    }
    return span;
  });
  const [begin, end] = spans;
  if (!begin || !end) return;
  if (begin.kind === 'open' && end.kind === 'open') {
    f.warn('interval_open', path, RULE_C, 'both ends of the interval are open; at least one end is known for any dataset');
  } else if (begin.kind !== 'open' && end.kind !== 'open' && begin.kind !== end.kind) {
    f.warn('interval_mixed', path, RULE_C, 'the interval mixes a time of day with a calendar date; the two ends cannot be compared');
  } else if (beginsAfterEnd(begin, end)) {
    f.warn('interval_order', path, RULE_C, 'the interval begins after it ends');
  }
}
