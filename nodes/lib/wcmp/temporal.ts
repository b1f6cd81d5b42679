/**
 * Dates and times as WCMP2 writes them: calendar dates, UTC date-times, open ends, time
 * resolutions. Shared by /conf/core/extent_temporal and the time-interval KPI.
 */
import type { Findings } from './report';
import { has, isObject, member, pointer, show } from './json';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const YEAR = /^(\d{4})$/;
const UTC_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;
const TIME_OF_DAY = /^T(\d{2})(?::(\d{2}))?(?::(\d{2}))?(\.\d+)?Z$/;
/** ISO 8601 duration as the standard's schema writes it. */
export const DURATION = /^(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
/** RFC 3339 date-time with any offset, for `created` and `updated`. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function validDay(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);
}

function validClock(h: number, mi: number, s: number): boolean {
  return h <= 23 && mi <= 59 && s <= 60;
}

/** A time as a span of instants (milliseconds), so that 2020 and 2020-06 compare sensibly. */
export interface Span {
  kind: 'calendar' | 'time-of-day' | 'open';
  start: number;
  end: number;
}

const OPEN: Span = { kind: 'open', start: -Infinity, end: Infinity };

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Reads one interval bound; undefined when it is not one of the forms WCMP2 allows. */
export function readBound(value: string): Span | undefined {
  if (value === '..') return OPEN;
  // The two common forms, read without a regular expression.
  if (value.length === 10 && value[4] === '-' && value[7] === '-') {
    const y = digits(value, 0, 4);
    const mo = digits(value, 5, 2);
    const d = digits(value, 8, 2);
    if (y < 0 || mo < 0 || d < 0 || !validDay(y, mo, d)) return undefined;
    const t = Date.UTC(y, mo - 1, d);
    return { kind: 'calendar', start: t, end: t + 86_400_000 - 1 };
  }
  if (value.length === 20) {
    const t = readRfc3339(value);
    if (t !== undefined && value.charCodeAt(19) === 0x5a) return { kind: 'calendar', start: t, end: t };
  }
  let m = UTC_DATE_TIME.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const h = Number(m[4]);
    const mi = Number(m[5]);
    const s = Number(m[6]);
    if (!validDay(y, mo, d) || !validClock(h, mi, s)) return undefined;
    const t = Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] ? Number(m[7]) * 1000 : 0);
    return { kind: 'calendar', start: t, end: t };
  }
  m = DATE.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (!validDay(y, mo, d)) return undefined;
    const t = Date.UTC(y, mo - 1, d);
    return { kind: 'calendar', start: t, end: t + 86_400_000 - 1 };
  }
  m = MONTH.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (mo < 1 || mo > 12) return undefined;
    return { kind: 'calendar', start: Date.UTC(y, mo - 1, 1), end: Date.UTC(y, mo, 1) - 1 };
  }
  m = YEAR.exec(value);
  if (m) {
    const y = Number(m[1]);
    return { kind: 'calendar', start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) - 1 };
  }
  m = TIME_OF_DAY.exec(value);
  if (m) {
    // Optional groups that did not take part are undefined.
    const h = Number(m[1]);
    const mi = Number(m.at(2) ?? 0);
    const s = Number(m.at(3) ?? 0);
    if (!validClock(h, mi, s)) return undefined;
    const t = ((h * 60 + mi) * 60 + s) * 1000;
    return { kind: 'time-of-day', start: t, end: t };
  }
  return undefined;
}

export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  return m !== null && validDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function isUtcDateTime(value: string): boolean {
  const m = UTC_DATE_TIME.exec(value);
  return m !== null && validDay(Number(m[1]), Number(m[2]), Number(m[3])) && validClock(Number(m[4]), Number(m[5]), Number(m[6]));
}


/** RFC 3339 section 5.6 date-time, calendar checked; returns epoch milliseconds or undefined. */
export function readRfc3339(value: string): number | undefined {
  // Most records write YYYY-MM-DDThh:mm:ssZ: read it without a regular expression.
  if (value.length === 20 && value.charCodeAt(19) === 0x5a && value[4] === '-' && value[7] === '-' && value[10] === 'T' && value[13] === ':' && value[16] === ':') {
    const y = digits(value, 0, 4);
    const mo = digits(value, 5, 2);
    const d = digits(value, 8, 2);
    const h = digits(value, 11, 2);
    const mi = digits(value, 14, 2);
    const s = digits(value, 17, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || !validDay(y, mo, d) || !validClock(h, mi, s)) return undefined;
    return Date.UTC(y, mo - 1, d, h, mi, s);
  }
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const s = Number(m[6]);
  if (!validDay(y, mo, d) || !validClock(h, mi, s)) return undefined;
  let offset = 0;
  const sign = m.at(8);
  if (sign !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return undefined;
    offset = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - offset + (m[7] ? Math.floor(Number(m[7]) * 1000) : 0);
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
  if (!isObject(time)) {
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
