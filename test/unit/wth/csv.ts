import fs from 'node:fs';
import { reference } from '../../helpers/reference';

/** Parses RFC 4180 CSV (quoted fields may hold commas, quotes and newlines) into records by header. */
export function parseCsv(text: string): Record<string, string | undefined>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const kept = rows.filter((r) => !(r.length === 1 && r[0] === ''));
  const header = kept.at(0);
  const body = kept.slice(1);
  if (header === undefined) return [];
  return body.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
}

/** Where the official WTH codelists are in the reference data (see needReference). */
export const WTH_CODELISTS = 'wcmp2/codelists/wis2-topic-hierarchy';

/** One official WTH codelist (as shipped in the WTH bundle) from the reference data. */
export function officialCodelist(name: string): Record<string, string | undefined>[] {
  return parseCsv(fs.readFileSync(reference(WTH_CODELISTS, `${name}.csv`), 'utf8'));
}
