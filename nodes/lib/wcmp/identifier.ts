/**
 * /conf/core/identifier: `urn:wmo:md:{centre-id}:{local-id}`, the centre id from the WIS2 Topic
 * Hierarchy register, the local id in plain ASCII without spaces or semicolons (colons are
 * allowed, /rec/core/identifier).
 */
import { centreIdStatus, validateTopic, WTH_SNAPSHOT } from '../wth';
import { memo } from '../core/memo';
import type { Findings } from './report';
import { has, member, show } from './json';

const RULE_A = '/req/core/identifier A';
const RULE_B = '/req/core/identifier B';
const RULE_C = '/req/core/identifier C';
const RULE_D = '/req/core/identifier D';

export interface IdentifierOptions {
  /** Report a centre id missing from our register snapshot as a warning, not a failure. */
  relaxCentreId?: boolean;
}


/** What the register says about a centre id we do not know, with a correction when one is close. */
export const unknownCentreText = memo((centreId: string): string => {
  // Registered ids are under 40 characters; a longer one gets no suggestion, which costs time in its length.
  const check = centreId.length <= 64 ? validateTopic(`origin/a/wis2/${centreId}/metadata`, { mode: 'publication' }) : undefined;
  const hint = check?.errors.find((e) => e.level === 4 && e.suggestion !== undefined)?.suggestion;
  const base = `${show(centreId)} is not a centre id of the WIS2 Topic Hierarchy register (snapshot of ${WTH_SNAPSHOT.bundleDate})`;
  return hint === undefined ? base : `${base}; ${hint}`;
});

// Characters RFC 8141 does not allow unescaped in a URN's namespace-specific string.
const URN_UNSAFE = /["<>\\^`{|}#?]|%(?![0-9A-Fa-f]{2})/;

/**
 * Checks the identifier and returns its centre id when the identifier has the WCMP2 notation,
 * for the checks of the link channels.
 */
export function checkRecordIdentifier(record: unknown, f: Findings, options: IdentifierOptions): string | undefined {
  const path = '/id';
  if (!has(record, 'id')) {
    f.fail('missing', path, RULE_A, 'the record has no id');
    return undefined;
  }
  const id = member(record, 'id');
  if (typeof id !== 'string') {
    f.fail('type', path, RULE_B, `the id is a string urn:wmo:md:{centre-id}:{local-id}, not ${show(id)}`);
    return undefined;
  }
  // urn:wmo:md:{centre}:{local}: the fourth colon ends the centre id; the local id may hold more.
  let colon = -1;
  const colons: number[] = [];
  for (let n = 0; n < 4; n++) {
    colon = id.indexOf(':', colon + 1);
    if (colon < 0) break;
    colons.push(colon);
  }
  if (colons.length < 4) {
    f.fail('tokens', path, RULE_B, `identifier does not have at least five tokens: ${show(id)} does not read urn:wmo:md:{centre-id}:{local-id}`);
    return undefined;
  }
  const prefixOk = id.startsWith('urn:wmo:md:');
  if (!prefixOk) {
    f.fail('prefix', path, RULE_B, `bad prefix: the identifier starts with urn:wmo:md:, not ${show(id.slice(0, (colons[2]) + 1))}`);
  }
  const centre = id.slice((colons[2]) + 1, colons[3]);
  if (centre === '') {
    f.fail('centre_id', path, RULE_C, 'the centre id (fourth token) is empty');
  } else {
    const info = centreIdStatus(centre);
    if (info.known && info.status === 'Retired') {
      f.warn('centre_id_retired', path, RULE_C, `centre id ${show(centre)} is Retired in the WIS2 Topic Hierarchy register`);
    } else if (info.test === true) {
      f.warn('centre_id_test', path, RULE_C, `centre id ${show(centre)} is a test centre id (ending -test), accepted without look-up; test ids are not for operational records`);
    } else if (!info.known) {
      const text = `Invalid centre_id: ${unknownCentreText(centre)}`;
      if (options.relaxCentreId === true) f.warn('centre_id_unknown', path, RULE_C, text);
      else f.fail('centre_id_unknown', path, RULE_C, text);
    }
  }
  const local = id.slice((colons[3]) + 1);
  const centreId = prefixOk && centre !== '' ? centre : undefined;
  if (local.trim() === '') {
    f.fail('local_id_empty', path, RULE_D, 'Empty / null local identifier: nothing follows the centre id');
    return centreId;
  }
  const bad = /[^\x20-\x7e]/.exec(id)?.[0];
  if (bad !== undefined) {
    const what = bad.charCodeAt(0) < 0x20 || bad === '\x7f' ? 'a control character' : `${show(bad)} (not IRA T.50 / ASCII)`;
    f.fail('characters', path, RULE_D, `Invalid characters in id: it contains ${what}; identifiers are plain ASCII`);
  }
  if (/\s/.test(local)) f.fail('local_id_space', path, RULE_D, 'spaces in local identifier');
  if (local.includes(';')) f.fail('local_id_semicolon', path, RULE_D, 'the local identifier contains a semicolon');
  const unsafe = URN_UNSAFE.exec(local)?.[0];
  if (unsafe !== undefined) {
    f.warn('local_id_urn', path, RULE_D, `the local identifier contains ${show(unsafe)}, which a URN (RFC 8141) only carries percent-encoded`);
  }
  return centreId;
}
