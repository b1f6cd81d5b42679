/**
 * Dates and times as RFC 3339 (section 5.6) and ISO 8601 write them: one reader for every caller,
 * checked strictly, and the date arithmetic that goes with it. A JS Date keeps milliseconds only,
 * so the fraction is kept as written: nanosecond timestamps survive a conversion to UTC.
 * Read by hand, without a regular expression: it runs on every message and every index line.
 */
import { flat } from './flat';
import { memo } from './memo';

export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The fraction exactly as written, with its dot, or "". */
  fraction: string;
  /** Offset east of UTC in minutes; `null` for `-00:00` ("UTC, local offset unknown"). */
  offsetMinutes: number | null;
  /** True when the offset was written `Z`, `z` or `+00:00`. */
  utc: boolean;
}

/**
 * Why a text is not an RFC 3339 date-time: not its grammar at all, a space for `T`, no offset,
 * an offset or a calendar date or a time of day that does not exist.
 */
export type DateTimeFault = 'syntax' | 'space' | 'no-offset' | 'offset' | 'date' | 'time';

const HYPHEN = 45;
const SPACE = 32;
const UPPER_T = 84;
const LOWER_T = 116;
const UPPER_Z = 90;
const COLON = 58;
const DOT = 46;
const ZERO = 48;
const DAY_MS = 86_400_000;
const FOUR_CENTURIES_MS = 146097 * DAY_MS;

/** The value of `count` decimal digits at `at`, or -1 when one of them is no digit. */
export function readDigits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Year, month, day, hour, minute and second. */
export type DateTimeFields = [number, number, number, number, number, number];

/**
 * The six date and time fields of a fixed-width stamp, read at the given offsets (four digits
 * for the year, two for the others); undefined when one of them is not all digits.
 */
export function readFields(text: string, at: Readonly<DateTimeFields>): DateTimeFields | undefined {
  const fields: DateTimeFields = [readDigits(text, at[0], 4), 0, 0, 0, 0, 0];
  for (let i = 1; i < 6; i++) fields[i] = readDigits(text, at[i], 2);
  return fields.some((n) => n < 0) ? undefined : fields;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Whether the Gregorian calendar has this day. */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Whether a clock can show this time; second 60 is a leap second, wherever it falls. */
export function isClockTime(hour: number, minute: number, second: number): boolean {
  return hour <= 23 && minute <= 59 && second <= 60;
}

/** Milliseconds since the epoch of a UTC calendar time (months from 1; overflow carries). */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  // Date.UTC reads years 0-99 as 1900-1999; shifting by 400 Gregorian years (a whole number of
  // days) keeps the calendar exact.
  return year >= 0 && year < 100
    ? Date.UTC(year + 400, month - 1, day, hour, minute, second) - FOUR_CENTURIES_MS
    : Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Reads the offset at `at` to the end of the text: its minutes east of UTC, or why it is none. */
function readOffset(text: string, at: number): { minutes: number; sign: string } | DateTimeFault {
  const zone = text.charAt(at);
  if (zone === 'Z' || zone === 'z') return at + 1 === text.length ? { minutes: 0, sign: 'Z' } : 'syntax';
  if (zone !== '+' && zone !== '-') return at === text.length ? 'no-offset' : 'syntax';
  if (at + 6 !== text.length || text.charCodeAt(at + 3) !== COLON) return 'syntax';
  const hours = readDigits(text, at + 1, 2);
  const minutes = readDigits(text, at + 4, 2);
  if (hours < 0 || minutes < 0) return 'syntax';
  if (hours > 23 || minutes > 59) return 'offset';
  return { minutes: (zone === '-' ? -1 : 1) * (hours * 60 + minutes), sign: zone };
}

/**
 * Reads `date-fullyear "-" date-month "-" date-mday "T" time-hour ":" time-minute ":" time-second
 * [time-secfrac] time-offset`, `T` and `Z` in either case (ABNF literals are case-insensitive).
 * The calendar and the clock are checked; where a leap second falls is not (see isLeapSecondPlace).
 */
export function scanDateTime(text: string): Readonly<DateTimeParts> | DateTimeFault {
  return scanned(text);
}

/**
 * An event's times are read again at every stage (CloudEvent, STAC item, WNM suite, cache
 * tracker: some ten readings of three strings per file), so the last ones are remembered; the
 * parts are frozen since every reader shares them. Longer text than any date-time is read afresh.
 */
const scanned = memo((text: string): Readonly<DateTimeParts> | DateTimeFault => {
  const parts = scan(text);
  return typeof parts === 'string' ? parts : Object.freeze(parts);
}, 256, 64);

function scan(text: string): DateTimeParts | DateTimeFault {
  if (text.length < 20 || text.charCodeAt(4) !== HYPHEN || text.charCodeAt(7) !== HYPHEN || text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) {
    return 'syntax';
  }
  // read field by field, without the array readFields builds: every message's times come here
  const year = readDigits(text, 0, 4);
  const month = readDigits(text, 5, 2);
  const day = readDigits(text, 8, 2);
  const hour = readDigits(text, 11, 2);
  const minute = readDigits(text, 14, 2);
  const second = readDigits(text, 17, 2);
  // a field that is not all digits reads -1, which makes the bitwise or negative
  if ((year | month | day | hour | minute | second) < 0) return 'syntax';
  const separator = text.charCodeAt(10);
  if (separator === SPACE) return 'space';
  if (separator !== UPPER_T && separator !== LOWER_T) return 'syntax';
  let at = 19;
  if (text.charCodeAt(at) === DOT) {
    const from = ++at;
    while (readDigits(text, at, 1) >= 0) at++;
    if (at === from) return 'syntax';
  }
  const offset = readOffset(text, at);
  if (typeof offset === 'string') return offset;
  if (!isCalendarDay(year, month, day)) return 'date';
  if (!isClockTime(hour, minute, second)) return 'time';
  // -00:00 is "UTC time known, local offset unknown" (section 4.3): no offset at all.
  const unknown = offset.minutes === 0 && offset.sign === '-';
  return {
    year, month, day, hour, minute, second,
    fraction: text.slice(19, at),
    offsetMinutes: unknown ? null : offset.minutes,
    utc: offset.minutes === 0 && !unknown,
  };
}

/** A leap second can only be the last second of a UTC day. */
export function isLeapSecondPlace(p: DateTimeParts): boolean {
  if (p.second !== 60) return true;
  return (((p.hour * 60 + p.minute - (p.offsetMinutes ?? 0)) % 1440) + 1440) % 1440 === 1439;
}

/** Parses an RFC 3339 date-time, or returns undefined when it is not one (calendar checked). */
export function parseRfc3339(value: string): DateTimeParts | undefined {
  const p = scanDateTime(value);
  return typeof p === 'string' || !isLeapSecondPlace(p) ? undefined : p;
}

/** RFC 3339 `date-time`: a real calendar date, an offset, fractional seconds of any length. */
export function isRfc3339(value: string): boolean {
  return parseRfc3339(value) !== undefined;
}

/**
 * The instant in milliseconds since the epoch. The fraction is cut to the millisecond unless
 * `exact`; the epoch has no leap seconds, so a leap second counts as the second before it.
 */
export function epochMs(p: DateTimeParts, exact = false): number {
  const whole = utcMs(p.year, p.month, p.day, p.hour, p.minute - (p.offsetMinutes ?? 0), Math.min(p.second, 59));
  if (p.fraction === '') return whole;
  const fraction = Number(p.fraction) * 1000;
  return whole + (exact ? fraction : Math.floor(fraction));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** '00' to '99' */
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, n) => pad(n));
/** the last millisecond of year 9999: later years take six digits and a sign */
const LAST_FOUR_DIGIT_MS = 253402300799999;
const MINUTE_MS = 60_000;

/** `YYYY-MM-DDTHH:MM:` of the minute that starts at `ms`, from 1970 on. */
function minutePrefix(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const inDay = ms - days * DAY_MS;
  // the civil date of a day count (H. Hinnant's days_from_civil, inverted), in eras of 400 years
  // from 0000-03-01, so that a leap day ends its year
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(inDay / 3_600_000);
  const minute = Math.floor((inDay - hour * 3_600_000) / MINUTE_MS);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:`;
}

/** the minute stamped last: the stamps of a minute share their first 17 characters, kept as codes */
let minuteStart = Number.NaN;
let minuteCodes: readonly number[] = [];
/** the stamp written last: the events of one millisecond share it */
let lastMs = Number.NaN;
let lastText = '';

/**
 * `new Date(ms).toISOString()`, written here for the years 1970 to 9999: every notification and
 * every published record is stamped, and V8's own call costs some 8,000 instructions (counted by
 * callgrind) where this costs a few hundred. Other instants, and what is no instant (it throws),
 * are left to V8.
 */
export function isoTimestamp(ms: number): string {
  if (ms === lastMs) return lastText;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > LAST_FOUR_DIGIT_MS) return new Date(ms).toISOString();
  const inMinute = ms % MINUTE_MS;
  const start = ms - inMinute;
  if (start !== minuteStart) {
    minuteStart = start;
    minuteCodes = Array.from(minutePrefix(start), (c) => c.charCodeAt(0));
  }
  const second = Math.floor(inMinute / 1000);
  const milli = inMinute - second * 1000;
  const hundreds = Math.floor(milli / 100);
  const tens = Math.floor(milli / 10) - hundreds * 10;
  const p = minuteCodes;
  lastMs = ms;
  // one sequential string from its character codes: less than half the time of joining its parts
  lastText = String.fromCharCode(
    p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16],
    ZERO + Math.floor(second / 10), ZERO + (second % 10), DOT, ZERO + hundreds, ZERO + tens, ZERO + (milli % 10), UPPER_Z,
  );
  return lastText;
}

/**
 * Rewrites an RFC 3339 date-time in UTC with an upper-case `T` and `Z`, keeping every
 * fractional digit. `-00:00` states no offset at all, so it cannot be converted: undefined.
 */
export function toUtcString(value: string): string | undefined {
  const p = parseRfc3339(value);
  if (!p || p.offsetMinutes === null) return undefined;
  // Already in UTC: the fields stay as written (four-digit year, two-digit others), so only the
  // separator and the zone letter can change, and no calendar arithmetic is needed.
  if (p.offsetMinutes === 0) {
    // the text itself when it is written so already, as times mostly are: the same string, which
    // every later reading finds in the time reader's memory
    if (value.charCodeAt(10) === UPPER_T && value.charCodeAt(value.length - 1) === UPPER_Z) return value;
    return flat([value.slice(0, 10), 'T', value.slice(11, 19), p.fraction, 'Z']);
  }
  // A leap second exists only as written; shift 59 and put the 60 back.
  const leap = p.second === 60;
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute - p.offsetMinutes, leap ? 59 : p.second, 0);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  return (
    `${pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(leap ? 60 : d.getUTCSeconds())}${p.fraction}Z`
  );
}

/** Orders two UTC strings from toUtcString (same shape, so digit-wise comparison is exact). */
export function compareUtc(a: string, b: string): number {
  const [sa, fa = ''] = a.slice(0, -1).split('.');
  const [sb, fb = ''] = b.slice(0, -1).split('.');
  if (sa !== sb) return sa < sb ? -1 : 1;
  const width = Math.max(fa.length, fb.length);
  const na = fa.padEnd(width, '0');
  const nb = fb.padEnd(width, '0');
  return na === nb ? 0 : na < nb ? -1 : 1;
}

/** The first and last millisecond of a stretch of time. */
export interface Extent {
  start: number;
  end: number;
}

/** ISO 8601 calendar date at reduced precision: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as the span it covers. */
export function readCalendarDate(value: string): Extent | undefined {
  const length = value.length;
  if (length !== 4 && length !== 7 && length !== 10) return undefined;
  const year = readDigits(value, 0, 4);
  if (year < 0) return undefined;
  if (length === 4) return { start: utcMs(year, 1, 1), end: utcMs(year + 1, 1, 1) - 1 };
  const month = value.charCodeAt(4) === HYPHEN ? readDigits(value, 5, 2) : -1;
  if (month < 1 || month > 12) return undefined;
  if (length === 7) return { start: utcMs(year, month, 1), end: utcMs(year, month + 1, 1) - 1 };
  const day = value.charCodeAt(7) === HYPHEN ? readDigits(value, 8, 2) : -1;
  if (day < 0 || !isCalendarDay(year, month, day)) return undefined;
  const start = utcMs(year, month, day);
  return { start, end: start + DAY_MS - 1 };
}

const TIME_OF_DAY = /^T(\d{2})(?::(\d{2}))?(?::(\d{2}))?(\.\d+)?Z$/;

/** ISO 8601 UTC time of day (`Thh[:mm[:ss]][.f]Z`) as milliseconds after midnight; the fraction is not counted. */
export function readTimeOfDay(value: string): number | undefined {
  const m = TIME_OF_DAY.exec(value);
  if (!m) return undefined;
  // Optional groups that did not take part are undefined.
  const hour = Number(m[1]);
  const minute = Number(m.at(2) ?? 0);
  const second = Number(m.at(3) ?? 0);
  if (!isClockTime(hour, minute, second)) return undefined;
  return ((hour * 60 + minute) * 60 + second) * 1000;
}
