import { createHash } from 'node:crypto';

/**
 * The hostile corpus: events a producer, a broken bridge or an attacker could put on the
 * diffusion topic, each built from a valid Argo file event (so that one fault only is under
 * test) or written as raw bytes. Every case is expected on the dead-letter topic with the
 * reason code given here; none may become a notification.
 *
 * Each case starts from a base event of its own and, where it names a file, a file no other
 * case or control names: a case let through would then be announced, not taken for a
 * duplicate of something else and silently dropped.
 */

export type Category =
  | 'oversize'
  | 'deep nesting'
  | 'invalid UTF-8'
  | 'prototype keys'
  | 'href tricks'
  | 'wildcards and NUL'
  | 'absurd numbers'
  | 'not an event';

export const CATEGORIES: readonly Category[] = [
  'oversize',
  'deep nesting',
  'invalid UTF-8',
  'prototype keys',
  'href tricks',
  'wildcards and NUL',
  'absurd numbers',
  'not an event',
];

export interface HostileCase {
  name: string;
  category: Category;
  payload: Buffer;
  /** the reason code the dead-letter record must carry */
  code: string;
}

interface Asset {
  href?: unknown;
  type?: unknown;
  roles?: unknown;
  [member: string]: unknown;
}

interface Item {
  id?: unknown;
  geometry?: unknown;
  properties: Record<string, unknown>;
  assets: Record<string, Asset>;
  [member: string]: unknown;
}

interface Event {
  data: Item;
  [attribute: string]: unknown;
}

/**
 * What a prototype-key case tries to plant on Object.prototype. Were any of it to land in the
 * runtime, it would show in every later notification: an asset or Item properties object
 * without its own start_datetime would inherit these, and the notification would announce
 * a 1999 time range (the controls check their times), or a `polluted` member would appear.
 */
export const POLLUTION = {
  polluted: 'hostile-corpus',
  start_datetime: '1999-01-01T00:00:00Z',
  end_datetime: '1999-01-02T00:00:00Z',
  isAdmin: true,
};

const BASE_URL = 'https://data-argo.ifremer.fr/';
const KIB = 1024;

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function parse(base: Buffer): Event {
  return JSON.parse(base.toString('utf8')) as Event;
}

function firstAsset(ev: Event): Asset {
  const asset = Object.values(ev.data.assets).at(0);
  if (asset === undefined) throw new Error('the base event has no asset');
  return asset;
}

/**
 * Raw JSON text where JSON.stringify cannot write it (1e309, a `__proto__` member, escapes):
 * `raw(text)` returns a marker to use as a key or a string value; the marker, quotes
 * included, is replaced by `text` in the serialised event.
 */
type Raw = (text: string) => string;

function build(base: Buffer, change: (ev: Event, raw: Raw) => void): Buffer {
  const ev = parse(base);
  const swaps: [string, string][] = [];
  const raw: Raw = (text) => {
    const marker = `@@raw-${swaps.length}@@`;
    swaps.push([JSON.stringify(marker), text]);
    return marker;
  };
  change(ev, raw);
  let json = JSON.stringify(ev);
  for (const [marker, text] of swaps) {
    if (!json.includes(marker)) throw new Error(`marker ${marker} not written`);
    json = json.split(marker).join(text);
  }
  return Buffer.from(json, 'utf8');
}

/** The event with `bytes` spliced in where the marker `@@bytes@@` sits in its JSON text. */
function withBytes(base: Buffer, change: (ev: Event, marker: string) => void, bytes: number[]): Buffer {
  const marker = '@@bytes@@';
  const text = build(base, (ev) => {
    change(ev, marker);
  });
  return splice(text, marker, bytes);
}

function splice(text: Buffer, marker: string, bytes: number[]): Buffer {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error('byte marker not written');
  return Buffer.concat([text.subarray(0, at), Buffer.from(bytes), text.subarray(at + marker.length)]);
}

/** Wraps `inner` in `levels` arrays or objects. */
function nested(levels: number, kind: 'array' | 'object', inner = '0'): string {
  return kind === 'array' ? '['.repeat(levels) + inner + ']'.repeat(levels) : '{"a":'.repeat(levels) + inner + '}'.repeat(levels);
}

/** A valid Argo profile URL no base event, no control and no other case uses. */
function argoFile(k: number): { href: string; wmo: string; path: string } {
  const wmo = String(6_980_000 + k);
  const path = `dac/coriolis/${wmo}/profiles/R${wmo}_001.nc`;
  return { href: BASE_URL + path, wmo, path };
}

export interface Corpus {
  cases: HostileCase[];
  /**
   * Controls that prove a hostile case left nothing behind, each sent right after the case it
   * follows (by name): the corrected event a producer would send once told of its mistake.
   */
  retries: { after: string; name: string; payload: Buffer }[];
}

/** The corpus, built from `bases` (distinct valid events; at least 140 are used). */
export function hostileCorpus(bases: readonly Buffer[]): Corpus {
  const cases: HostileCase[] = [];
  const retries: Corpus['retries'] = [];
  let used = 0;
  const base = (): Buffer => {
    const b = bases.at(used++);
    if (b === undefined) throw new Error(`the corpus needs more than ${bases.length} base events`);
    return b;
  };
  let files = 0;
  const file = (): ReturnType<typeof argoFile> => argoFile(++files);
  const add = (category: Category, name: string, code: string, payload: Buffer): void => {
    cases.push({ category, name, code, payload });
  };
  const edit = (category: Category, name: string, code: string, change: (ev: Event, raw: Raw) => void): void => {
    add(category, name, code, build(base(), change));
  };
  /** a case on the href of the event's only asset, made from a fresh valid Argo URL */
  const href = (category: Category, name: string, code: string, make: (f: ReturnType<typeof argoFile>) => string): void => {
    const f = file();
    edit(category, name, code, (ev) => {
      firstAsset(ev).href = make(f);
    });
  };
  const padded = (bytes: number): Buffer => {
    const b = build(base(), (ev) => {
      ev.data.properties.description = '';
    });
    const grow = bytes - b.length;
    return build(Buffer.from(b), (ev) => {
      ev.data.properties.description = 'x'.repeat(grow);
    });
  };

  // --- oversize -----------------------------------------------------------------------------
  {
    const p = padded(256 * KIB + 1);
    if (p.length !== 256 * KIB + 1) throw new Error(`padding: ${p.length}`);
    add('oversize', 'a valid event one byte above the 256 KiB limit', 'intake.too_large', p);
  }
  add('oversize', 'a 1 MiB event (a 1 MiB title)', 'intake.too_large', build(base(), (ev) => {
    ev.data.properties.title = 't'.repeat(1024 * KIB);
  }));
  add('oversize', '4 MiB of the letter A', 'intake.too_large', Buffer.alloc(4 * 1024 * KIB, 0x41));
  add('oversize', '300 KiB of 0xFF bytes (too large before it is invalid UTF-8)', 'intake.too_large', Buffer.alloc(300 * KIB, 0xff));
  add('oversize', 'a 2 MiB CloudEvents extension attribute', 'intake.too_large', build(base(), (ev) => {
    ev.comment = 'c'.repeat(2 * 1024 * KIB);
  }));
  edit('oversize', 'a 9 KiB media type parameter: the notification would pass 8192 bytes', 'wnm.too_large', (ev) => {
    firstAsset(ev).type = `application/x-netcdf; note=${'n'.repeat(9 * KIB)}`;
  });
  edit('oversize', 'a datetime with 10,000 fractional digits: the notification would pass 8192 bytes', 'wnm.too_large', (ev) => {
    const props = ev.data.properties;
    delete props.start_datetime;
    delete props.end_datetime;
    props.datetime = `2026-01-01T00:00:00.${'1'.repeat(10_000)}Z`;
  });
  {
    // 1,500 files that would each be fine and one outside the base URL: all or nothing
    const b = base();
    add('oversize', 'a fan-out of 1,500 valid files and one outside the base URL', 'href.outside_base', build(b, (ev) => {
      const template = firstAsset(ev);
      const assets: Record<string, Asset> = {};
      const wmo = '6970000';
      for (let i = 1; i <= 1500; i++) {
        const name = `R${wmo}_${String(i).padStart(4, '0')}.nc`;
        assets[name] = { href: `${BASE_URL}dac/coriolis/${wmo}/profiles/${name}`, type: template.type, roles: ['data'] };
      }
      assets.last = { href: 'https://evil.example/dac/coriolis/6970000/profiles/R6970000_1501.nc', roles: ['data'] };
      ev.data.assets = assets;
    }));
  }
  {
    // two files, the second refused: the first must not count as announced afterwards
    const b = base();
    const name = 'two files, the second outside the base URL';
    add('oversize', name, 'href.outside_base', build(b, (ev) => {
      ev.data.assets.evil = { href: 'https://evil.example/dac/coriolis/6903580/profiles/R6903580_148.nc', roles: ['data'] };
    }));
    retries.push({ after: name, name: 'the same event without its refused file, sent again at once', payload: b });
  }

  // --- deep nesting -------------------------------------------------------------------------
  add('deep nesting', '100,000 nested arrays as the whole payload', 'intake.too_deep', Buffer.from(nested(100_000, 'array')));
  add('deep nesting', '20,000 nested objects in the Item properties', 'intake.too_deep', build(base(), (ev, raw) => {
    ev.data.properties.deep = raw(nested(20_000, 'object'));
  }));
  add('deep nesting', 'nesting one level past the limit of 64', 'intake.too_deep', build(base(), (ev, raw) => {
    // event (1) > data (2) > properties (3) > 62 more levels = 65
    ev.data.properties.deep = raw(nested(62, 'array'));
  }));
  add('deep nesting', '5,000 nested arrays as the point coordinates', 'intake.too_deep', build(base(), (ev, raw) => {
    ev.data.geometry = { type: 'Point', coordinates: raw(nested(5_000, 'array', '1,2')) };
  }));
  add('deep nesting', '30,000 nested objects in a CloudEvents extension', 'intake.too_deep', build(base(), (ev, raw) => {
    ev.nest = raw(nested(30_000, 'object'));
  }));
  add('deep nesting', '120,000 opening brackets never closed', 'intake.invalid_json', Buffer.from('['.repeat(120_000)));

  // --- invalid UTF-8 ------------------------------------------------------------------------
  const utf8 = (name: string, bytes: number[], where: (ev: Event, marker: string) => void): void => {
    add('invalid UTF-8', name, 'intake.invalid_utf8', withBytes(base(), where, bytes));
  };
  utf8('a 0xFF byte in the CloudEvents id', [0xff], (ev, m) => {
    ev.id = `${String(ev.id)}${m}`;
  });
  utf8('an overlong "/" (C0 AF) in the href', [0xc0, 0xaf], (ev, m) => {
    firstAsset(ev).href = `${file().href}${m}`;
  });
  utf8('an encoded surrogate (ED A0 80) in the title', [0xed, 0xa0, 0x80], (ev, m) => {
    ev.data.properties.title = `title ${m}`;
  });
  utf8('a code point above U+10FFFF (F4 90 80 80) in the source', [0xf4, 0x90, 0x80, 0x80], (ev, m) => {
    ev.source = `co050411${m}`;
  });
  utf8('Latin-1 "é" (E9) in the description', [0xe9], (ev, m) => {
    ev.data.properties.description = `Donn${m}es`;
  });
  utf8('CESU-8 (a surrogate pair encoded as two 3-byte sequences)', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], (ev, m) => {
    ev.data.properties.title = `float ${m}`;
  });
  utf8('a lone continuation byte (0x80) in an asset key', [0x80], (ev, m) => {
    const entry = Object.entries(ev.data.assets).at(0);
    if (entry === undefined) throw new Error('no asset');
    ev.data.assets = { [`${entry[0]}${m}`]: entry[1] };
  });
  {
    const b = base();
    const truncated = Buffer.concat([b.subarray(0, b.length - 1), Buffer.from([0xe2, 0x82])]);
    add('invalid UTF-8', 'a sequence cut short at the very end (E2 82)', 'intake.invalid_utf8', truncated);
  }
  add('invalid UTF-8', 'the event in UTF-16LE with its byte order mark', 'intake.invalid_utf8', Buffer.from('\ufeff' + base().toString('utf8'), 'utf16le'));
  add('invalid UTF-8', 'a UTF-8 byte order mark before the event', 'intake.byte_order_mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), base()]));
  {
    const item = Buffer.from(JSON.stringify({ ...parse(base()).data, title: '@@bytes@@' }));
    const data = splice(item, '@@bytes@@', [0xff, 0xfe]);
    add('invalid UTF-8', 'data_base64 that decodes to invalid UTF-8', 'ce.data_not_json', build(base(), (ev) => {
      delete (ev as Partial<Event>).data;
      ev.data_base64 = data.toString('base64');
    }));
  }
  edit('invalid UTF-8', 'an unpaired surrogate escape (\\ud800) in the CloudEvents id', 'ce.invalid_character', (ev, raw) => {
    ev.id = raw(`"${String(ev.id)}\\ud800"`);
  });
  edit('invalid UTF-8', 'an unpaired surrogate escape (\\udfff) in the href', 'href.invalid', (ev, raw) => {
    firstAsset(ev).href = raw(`"${file().href}\\udfff"`);
  });

  // --- prototype keys -----------------------------------------------------------------------
  const poison = JSON.stringify(POLLUTION);
  edit('prototype keys', '"__proto__" at the top level of the event', 'intake.forbidden_key', (ev, raw) => {
    ev[raw('"__proto__"')] = raw(poison);
  });
  edit('prototype keys', '"__proto__" in the Item properties', 'intake.forbidden_key', (ev, raw) => {
    ev.data.properties[raw('"__proto__"')] = raw(poison);
  });
  edit('prototype keys', '"__proto__" as an asset key', 'intake.forbidden_key', (ev, raw) => {
    ev.data.assets[raw('"__proto__"')] = { href: file().href, roles: ['data'], ...POLLUTION };
  });
  edit('prototype keys', '"constructor": {"prototype": ...} at the top level', 'intake.forbidden_key', (ev, raw) => {
    ev[raw('"constructor"')] = { prototype: POLLUTION };
  });
  edit('prototype keys', '"prototype" in the Item', 'intake.forbidden_key', (ev, raw) => {
    ev.data[raw('"prototype"')] = raw(poison);
  });
  edit('prototype keys', '"__proto__" in the geometry', 'intake.forbidden_key', (ev, raw) => {
    ev.data.geometry = { type: 'Point', coordinates: [1, 2], [raw('"__proto__"')]: raw(poison) };
  });
  edit('prototype keys', '"__proto__" written with \\u escapes', 'intake.forbidden_key', (ev, raw) => {
    ev.data.properties[raw('"\\u005f\\u005fproto\\u005f\\u005f"')] = raw(poison);
  });
  edit('prototype keys', '"__proto__" in an object inside an array (links)', 'intake.forbidden_key', (ev, raw) => {
    ev.data.links = [{ href: 'https://example.org/', rel: 'about', [raw('"__proto__"')]: raw(poison) }];
  });
  edit('prototype keys', '"__proto__" in an asset, beside its href', 'intake.forbidden_key', (ev, raw) => {
    firstAsset(ev)[raw('"__proto__"')] = raw(poison);
  });
  {
    const item = build(base(), (ev, raw) => {
      ev.data.properties[raw('"__proto__"')] = raw(poison);
    });
    const data = Buffer.from(JSON.stringify((JSON.parse(item.toString('utf8')) as { data: unknown }).data));
    // JSON.parse kept __proto__ as an own member, and JSON.stringify writes it back
    if (!data.includes('"__proto__"')) throw new Error('__proto__ lost');
    add('prototype keys', '"__proto__" inside data_base64', 'intake.forbidden_key', build(base(), (ev) => {
      delete (ev as Partial<Event>).data;
      ev.data_base64 = data.toString('base64');
    }));
  }
  edit('prototype keys', '"constructor" as a CloudEvents extension attribute', 'intake.forbidden_key', (ev, raw) => {
    ev[raw('"constructor"')] = 'x';
  });

  // --- href tricks --------------------------------------------------------------------------
  const h = (name: string, code: string, make: (f: ReturnType<typeof argoFile>) => string): void => {
    href('href tricks', name, code, make);
  };
  h('credentials (user:password@)', 'href.credentials', (f) => f.href.replace('https://', 'https://argo:secret@'));
  h('a user name without password', 'href.credentials', (f) => f.href.replace('https://', 'https://admin@'));
  h('a query string', 'href.query', (f) => `${f.href}?token=abc`);
  h('a fragment', 'href.fragment', (f) => `${f.href}#anchor`);
  h('dot segments climbing out (/../../)', 'href.dot_segment', () => `${BASE_URL}dac/coriolis/../../../etc/passwd`);
  h('percent-encoded dot segments (%2e%2E)', 'href.dot_segment', (f) => `${BASE_URL}dac/coriolis/%2e%2E/${f.path}`);
  h('a "." segment', 'href.dot_segment', (f) => `${BASE_URL}dac/./${f.path.slice(4)}`);
  h('javascript:', 'href.not_absolute', () => 'javascript:alert(document.cookie)');
  h('javascript:// with a host', 'href.scheme', (f) => `javascript://data-argo.ifremer.fr/${f.path}`);
  h('file:///etc/passwd', 'href.scheme', () => 'file:///etc/passwd');
  h('file:// on the data host', 'href.scheme', (f) => `file://data-argo.ifremer.fr/${f.path}`);
  h('a data: URL', 'href.not_absolute', () => 'data:text/html,<script>alert(1)</script>');
  h('plain http where the dataset accepts https only', 'href.scheme', (f) => f.href.replace('https:', 'http:'));
  h('another host', 'href.outside_base', (f) => `https://evil.example/${f.path}`);
  h('a look-alike host (suffix)', 'href.outside_base', (f) => `https://data-argo.ifremer.fr.evil.example/${f.path}`);
  h('the data host on another port', 'href.outside_base', (f) => `https://data-argo.ifremer.fr:8443/${f.path}`);
  h('an IP address', 'href.outside_base', (f) => `https://127.0.0.1/${f.path}`);
  h('a protocol-relative URL', 'href.not_absolute', (f) => `//data-argo.ifremer.fr/${f.path}`);
  h('a relative path', 'href.not_absolute', (f) => f.path);
  h('a path not in the Argo layout (.txt)', 'href.path_pattern', (f) => f.href.replace(/\.nc$/, '.txt'));
  h('a temporary file (.nc.tmp)', 'href.path_pattern', (f) => `${f.href}.tmp`);
  h('a partial download (.nc.part)', 'href.path_pattern', (f) => `${f.href}.part`);
  h('a hidden editor swap file', 'href.path_pattern', (f) => f.href.replace(/\/(R[^/]+)$/, '/.$1.swp'));
  h('a backup file (~)', 'href.path_pattern', (f) => `${f.href}~`);
  h('an unknown DAC', 'href.path_pattern', (f) => f.href.replace('/coriolis/', '/evil/'));
  h('a WMO number in the file name that is not the directory one', 'href.path_pattern', (f) => f.href.replace(`/R${f.wmo}_`, `/R${String(Number(f.wmo) + 1)}_`));
  h('the GDAC index file', 'href.path_pattern', () => `${BASE_URL}ar_index_global_prof.txt`);
  h('a percent-encoded slash (%2F)', 'href.path_pattern', (f) => `${BASE_URL}${f.path.replace(/\//g, '%2F')}`);
  h('a backslash', 'href.invalid', (f) => f.href.replace('/profiles/', '\\profiles\\'));
  h('a tab the URL parser would drop', 'href.invalid', (f) => f.href.replace('/profiles/', '/prof\tiles/'));
  h('CR LF (header injection)', 'href.invalid', (f) => `${f.href}\r\nX-Injected: 1`);
  h('a Cyrillic look-alike letter in the host', 'href.invalid', (f) => f.href.replace('data-argo', 'data-arg\u043e'));
  h('an empty path segment', 'href.empty_segment', (f) => f.href.replace('/profiles/', '/profiles//'));
  h('a directory (trailing slash)', 'href.empty_segment', (f) => `${BASE_URL}dac/coriolis/${f.wmo}/profiles/`);
  h('an empty string', 'href.invalid', () => '');
  edit('href tricks', 'an href that is a number', 'stac.invalid_asset', (ev) => {
    firstAsset(ev).href = 42;
  });
  edit('href tricks', 'an asset without href', 'stac.invalid_asset', (ev) => {
    delete firstAsset(ev).href;
  });

  // --- wildcards and NUL --------------------------------------------------------------------
  const w = (name: string, code: string, change: (ev: Event, raw: Raw) => void): void => {
    edit('wildcards and NUL', name, code, change);
  };
  /** a CloudEvents attribute (or extension) set to `value` */
  const attribute = (name: string, code: string, key: string, value: string): void => {
    w(name, code, (ev) => {
      ev[key] = value;
    });
  };
  href('wildcards and NUL', '"#" as the WMO directory of the href', 'href.fragment', (f) => f.href.replace(`/${f.wmo}/`, '/#/'));
  href('wildcards and NUL', '"+" as a path segment of the href', 'href.path_pattern', (f) => f.href.replace('/profiles/', '/+/'));
  href('wildcards and NUL', '"+" in the file name of the href', 'href.path_pattern', (f) => f.href.replace('_001.nc', '_+.nc'));
  href('wildcards and NUL', 'NUL in the href', 'href.invalid', (f) => f.href.replace('_001', '_001\u0000'));
  href('wildcards and NUL', 'an encoded NUL (%00) in the href', 'href.path_pattern', (f) => f.href.replace('.nc', '%00.nc'));
  w('NUL in the CloudEvents id', 'ce.control_character', (ev) => {
    ev.id = `${String(ev.id)}\u0000`;
  });
  attribute('NUL in the CloudEvents source', 'ce.control_character', 'source', 'co050411\u0000');
  attribute('NUL in the CloudEvents type', 'ce.control_character', 'type', 'fr.ifremer.file.diffusion\u0000delete');
  attribute('NUL in the CloudEvents subject', 'ce.control_character', 'subject', 'diffusion/files/coriolis/argo/\u0000');
  attribute('NUL in an extension attribute', 'ce.control_character', 'traceparent', '\u0000');
  attribute('NUL in an attribute name', 'ce.invalid_attribute_name', 'ext\u0000', 'x');
  attribute('"+" in an attribute name', 'ce.invalid_attribute_name', 'a+b', 'x');
  attribute('"#" as an attribute name', 'ce.invalid_attribute_name', '#', 'x');
  attribute('a source with "#" twice and "+" (not a URI-reference)', 'ce.invalid_source', 'source', 'co050411/#/+#');
  attribute('"#" after the CloudEvents time', 'ce.invalid_time', 'time', '2026-01-01T00:00:00Z#');
  attribute('"+" as the specversion', 'ce.unsupported_specversion', 'specversion', '+');
  attribute('"+" as the datacontenttype subtype', 'ce.unsupported_content_type', 'datacontenttype', 'application/+');
  attribute('NUL in the datacontenttype', 'ce.control_character', 'datacontenttype', 'application/json\u0000');
  w('NUL in the STAC Item id', 'stac.invalid_id', (ev) => {
    ev.data.id = `${String(ev.data.id)}\u0000`;
  });
  w('a newline in an asset key', 'stac.invalid_asset', (ev) => {
    ev.data.assets = Object.fromEntries(Object.entries(ev.data.assets).map(([key, asset]) => [`${key}\n`, asset]));
  });

  // --- absurd numbers -----------------------------------------------------------------------
  const n = (name: string, code: string, change: (ev: Event, raw: Raw) => void): void => {
    edit('absurd numbers', name, code, change);
  };
  /** the first asset's file:size; `raw` puts a number's text into the JSON as it is written */
  const fileSize = (name: string, value: (raw: Raw) => unknown): void => {
    n(name, 'stac.invalid_file_size', (ev, raw) => {
      firstAsset(ev)['file:size'] = value(raw);
    });
  };
  const geometry = (name: string, code: string, value: (raw: Raw) => unknown): void => {
    n(name, code, (ev, raw) => {
      ev.data.geometry = value(raw);
    });
  };
  /** a single datetime instead of the Item's range */
  const datetime = (name: string, value: (raw: Raw) => unknown): void => {
    n(name, 'stac.invalid_datetime', (ev, raw) => {
      const props = ev.data.properties;
      delete props.start_datetime;
      delete props.end_datetime;
      props.datetime = value(raw);
    });
  };
  fileSize('file:size "NaN"', () => 'NaN');
  fileSize('file:size 1e309 (Infinity once parsed)', (raw) => raw('1e309'));
  fileSize('file:size as a 400-digit integer', (raw) => raw('1' + '0'.repeat(400)));
  fileSize('file:size -1', () => -1);
  fileSize('file:size -1e309', (raw) => raw('-1e309'));
  fileSize('file:size 2^53 (past safe integers)', (raw) => raw('9007199254740992'));
  fileSize('file:size 1e20 (a huge length)', (raw) => raw('1e20'));
  fileSize('file:size 78540.5', () => 78540.5);
  fileSize('file:size "-Infinity"', () => '-Infinity');
  geometry('longitude 181', 'geometry.out_of_range', () => ({ type: 'Point', coordinates: [181, 0] }));
  geometry('latitude -90.000001', 'geometry.out_of_range', () => ({ type: 'Point', coordinates: [0, -90.000001] }));
  geometry('a polygon corner at latitude 1e6', 'geometry.out_of_range', () => ({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1e6], [0, 0]]] }));
  geometry('longitude 1e309', 'geometry.invalid_position', (raw) => ({ type: 'Point', coordinates: [raw('1e309'), 0] }));
  geometry('coordinates ["NaN", "NaN"]', 'geometry.invalid_position', () => ({ type: 'Point', coordinates: ['NaN', 'NaN'] }));
  geometry('latitude -1e309', 'geometry.invalid_position', (raw) => ({ type: 'Point', coordinates: [0, raw('-1e309')] }));
  datetime('datetime in the year 99999', () => '99999-01-01T00:00:00Z');
  n('an expanded year (+099999) as start_datetime', 'stac.invalid_datetime', (ev) => {
    const props = ev.data.properties;
    props.datetime = null;
    props.start_datetime = '+099999-01-01T00:00:00Z';
    props.end_datetime = '2026-01-01T00:00:00Z';
  });
  datetime('9999-12-31T23:59:59-23:59 (the year 10000 in UTC)', () => '9999-12-31T23:59:59-23:59');
  datetime('30 February', () => '2026-02-30T00:00:00Z');
  datetime('hour 25', () => '2026-01-01T25:00:00Z');
  datetime('datetime as the number 1e309', (raw) => raw('1e309'));
  n('a time range ending 80,000 years before it starts', 'stac.inverted_range', (ev) => {
    const props = ev.data.properties;
    props.datetime = null;
    props.start_datetime = '9999-01-01T00:00:00Z';
    props.end_datetime = '0001-01-01T00:00:00Z';
  });
  n('CloudEvents time in the year 99999', 'ce.invalid_time', (ev) => {
    ev.time = '99999-01-01T00:00:00Z';
  });
  n('CloudEvents time in month 13', 'ce.invalid_time', (ev) => {
    ev.time = '2026-13-01T00:00:00Z';
  });
  n('an extension attribute 1e309', 'ce.invalid_attribute_type', (ev, raw) => {
    ev.sequence = raw('1e309');
  });
  n('an extension attribute 2^31 (past int32)', 'ce.invalid_attribute_type', (ev) => {
    ev.sequence = 2 ** 31;
  });
  n('a checksum claiming a 268,435,455-byte digest', 'checksum.invalid', (ev) => {
    firstAsset(ev)['file:checksum'] = '12ffffff7f' + 'ab'.repeat(32);
  });

  // --- not an event -------------------------------------------------------------------------
  add('not an event', 'an empty payload', 'intake.invalid_json', Buffer.alloc(0));
  add('not an event', 'JSON null', 'ce.not_object', Buffer.from('null'));
  add('not an event', 'a batch (an array of two events)', 'ce.batch_unsupported', Buffer.from(`[${base().toString('utf8')},${base().toString('utf8')}]`));
  add('not an event', 'the event encoded twice (a JSON string)', 'ce.not_object', Buffer.from(JSON.stringify(base().toString('utf8'))));
  {
    const b = base();
    add('not an event', 'the event cut in half', 'intake.invalid_json', b.subarray(0, Math.floor(b.length / 2)));
  }
  add('not an event', 'the event followed by garbage', 'intake.invalid_json', Buffer.concat([base(), Buffer.from('}{"x":1}')]));
  edit('not an event', 'an empty CloudEvents id', 'ce.empty_attribute', (ev) => {
    ev.id = '';
  });
  edit('not an event', 'data that is a JSON string holding the Item', 'ce.data_not_object', (ev) => {
    (ev as Record<string, unknown>).data = JSON.stringify(ev.data);
  });
  return { cases, retries };
}
