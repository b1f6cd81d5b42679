/**
 * RFC 3339 date-times (section 5.6), checked strictly and converted to UTC without losing the
 * fractional digits: a JS Date keeps milliseconds only, so nanosecond timestamps would be
 * silently truncated by a Date round-trip.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

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

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Parses an RFC 3339 date-time, or returns undefined when it is not one (calendar checked). */
export function parseRfc3339(value: string): DateTimeParts | undefined {
  const match = RFC3339.exec(value);
  if (!match) return undefined;
  // optional groups that did not take part in the match are undefined, whatever the type says
  const m: readonly (string | undefined)[] = match;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes: number | null = 0;
  let utc = true;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    const total = oh * 60 + om;
    if (total === 0 && m[9] === '-') {
      offsetMinutes = null;
      utc = false;
    } else {
      offsetMinutes = m[9] === '-' ? -total : total;
      utc = total === 0;
    }
  }
  // A leap second can only be the last second of a UTC day.
  if (second === 60 && ((((hour * 60 + minute - (offsetMinutes ?? 0)) % 1440) + 1440) % 1440) !== 23 * 60 + 59) return undefined;
  return { year, month, day, hour, minute, second, fraction: m[7] ?? '', offsetMinutes, utc };
}

/** RFC 3339 `date-time`: a real calendar date, an offset, fractional seconds of any length. */
export function isRfc3339(value: string): boolean {
  return parseRfc3339(value) !== undefined;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Rewrites an RFC 3339 date-time in UTC with an upper-case `T` and `Z`, keeping every
 * fractional digit. `-00:00` states no offset at all, so it cannot be converted: undefined.
 */
export function toUtcString(value: string): string | undefined {
  const p = parseRfc3339(value);
  if (!p || p.offsetMinutes === null) return undefined;
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
