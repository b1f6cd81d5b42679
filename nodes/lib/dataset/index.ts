import { Wis2Error } from '../core/errors';
import { flat } from '../core/flat';
import { validateTopic } from '../wth';

/**
 * A WIS2 dataset as the pipeline publishes it: where its notifications go, which WCMP2 record
 * describes it, and which file URLs may be announced for it. Shared by every node of a flow
 * through the "WIS2 dataset" config node, and by the command line.
 */
export interface DatasetConfig {
  // Required, but optional here: configurations come from editor forms, and a missing value
  // must become a clear refusal, not a crash.
  centreId?: string;
  /** the WIS2 publication topic of the data, `origin/a/wis2/<centre-id>/data/<policy>/…` */
  topic?: string;
  /** the WCMP2 record identifier, `urn:wmo:md:<centre-id>:<local-id>` */
  metadataId?: string;
  /** `core` or `recommended`; when given it must equal the topic's data-policy level */
  dataPolicy?: string;
  /** announced files must sit below this URL; their path below it feeds data_id and pathPattern */
  baseUrl?: string;
  /** data_id template; placeholders {topic} {path} {filename} {centre_id} {asset} {item_id} */
  dataIdTemplate?: string;
  /** a regular expression the whole path below the base URL must match, or `argo` */
  pathPattern?: string;
  /** `false` asks Global Caches not to cache the data (WNM properties.cache) */
  cache?: boolean;
  /** URL schemes accepted for announced files (subset of http, https, ftp, sftp); default https */
  schemes?: string[];
  /** `optional`: a checksum with no WNM method is dropped with a warning; `required`: refused */
  integrity?: 'optional' | 'required';
}

export interface Dataset {
  centreId: string;
  topic: string;
  metadataId: string;
  dataPolicy: 'core' | 'recommended';
  baseUrl?: URL;
  dataIdTemplate: string;
  pathPattern?: RegExp;
  /** the pattern source as configured, for messages */
  pathPatternSource?: string;
  cache: boolean;
  schemes: ReadonlySet<string>;
  integrity: 'optional' | 'required';
  /** what the configuration bends without breaking (an unregistered centre id) */
  warnings: string[];
  /** experimental topics ask Global Caches not to cache (WIS2 Guide) */
  experimental: boolean;
}

export const DEFAULT_DATA_ID_TEMPLATE = '{topic}/{path}';

const ARGO_DACS = 'aoml|bodc|coriolis|csio|csiro|incois|jma|kiost|kma|meds|nmdis';

/**
 * The Argo GDAC layout: known DACs, the float's WMO number in the directory equal to the one in
 * the file name, real profile and float-level file names only (so no temporary or partial file
 * can be announced), auxiliary files, and the BUFR bulletins of `etc/bufr/<yyyymm>/`.
 */
export const ARGO_PATH_PATTERN =
  `dac/(?:${ARGO_DACS})/([0-9]{5,7})/` +
  `(?:\\1_(?:meta|tech|prof|Sprof|Rtraj|Dtraj|BRtraj|BDtraj)\\.nc|profiles/(?:[RD]|B[RD]|S[RD]|M[RD])\\1_[0-9]{3,4}D?\\.nc)` +
  `|aux/(?:${ARGO_DACS})/([0-9]{5,7})/` +
  `(?:\\2_(?:meta|tech|Rtraj|Dtraj)_aux\\.nc|profiles/[RD]\\2_[0-9]{3,4}D?_aux\\.nc)` +
  `|etc/bufr/[0-9]{4}(?:0[1-9]|1[0-2])/[A-Z]{4}[0-9]{2}_[A-Z]{4}_[0-9]{6}\\.BU`;

export const PATH_PRESETS: Readonly<Record<string, string>> = { argo: ARGO_PATH_PATTERN };

const WIS2_SCHEMES = new Set(['http', 'https', 'ftp', 'sftp']);
const PLACEHOLDERS = new Set(['topic', 'path', 'filename', 'centre_id', 'asset', 'item_id']);
const CENTRE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;

const METADATA_ID = /^urn:wmo:md:([^:]+):(.+)$/;
const PLACEHOLDER = /\{([^}]*)\}/g;

function configError(code: string, message: string, path: string): never {
  throw new Wis2Error('config', code, message, path);
}

function readCentreId(config: DatasetConfig): string {
  const centreId = (config.centreId ?? '').trim();
  if (!CENTRE_ID.test(centreId)) {
    configError('config.centre_id', `"${centreId}" is not a WIS2 centre id (lowercase tld-name, e.g. fr-ifremer-argo)`, '/centreId');
  }
  return centreId;
}

interface DatasetTopic {
  topic: string;
  dataPolicy: 'core' | 'recommended';
  experimental: boolean;
  warnings: string[];
}

/** The publication topic: valid, of the dataset's centre, for data, and of the configured policy. */
function readTopic(config: DatasetConfig, centreId: string): DatasetTopic {
  const topic = (config.topic ?? '').trim();
  const check = validateTopic(topic, { mode: 'publication' });
  const warnings: string[] = [];
  for (const problem of check.errors) {
    // The register moves faster than any snapshot of it: a centre id allocated since is let
    // through with a warning rather than blocking a newly registered centre.
    if (problem.code === 'centre-id-unknown') {
      warnings.push(`${problem.message}; Global Brokers drop messages from unregistered centres`);
      continue;
    }
    const hint = check.suggestedTopic ? ` (did you mean ${check.suggestedTopic}?)` : problem.suggestion ? ` (${problem.suggestion})` : '';
    configError('config.topic', `invalid topic "${topic}": ${problem.message}${hint}`, '/topic');
  }
  if (check.centreId !== centreId) {
    configError('config.topic', `the topic's centre id "${check.centreId ?? ''}" is not the dataset's "${centreId}"`, '/topic');
  }
  if (check.notificationType !== 'data') {
    configError('config.topic', 'a dataset announces data: level 5 of its topic must be "data", not "metadata"', '/topic');
  }
  const policy = check.dataPolicy;
  if (policy !== 'core' && policy !== 'recommended') {
    configError('config.topic', 'level 6 of the topic must be core or recommended', '/topic');
  }
  if (config.dataPolicy !== undefined && config.dataPolicy !== '' && config.dataPolicy !== policy) {
    configError('config.data_policy', `the data policy "${config.dataPolicy}" differs from the topic's "${policy}"`, '/dataPolicy');
  }
  return { topic, dataPolicy: policy, experimental: check.experimental === true, warnings };
}

function readMetadataId(config: DatasetConfig, centreId: string): string {
  const metadataId = (config.metadataId ?? '').trim();
  const mid = METADATA_ID.exec(metadataId) as (string | undefined)[] | null;
  if (!mid) configError('config.metadata_id', `"${metadataId}" is not a WCMP2 identifier urn:wmo:md:<centre-id>:<local-id>`, '/metadataId');
  if (mid[1] !== centreId) {
    configError('config.metadata_id', `the metadata id names centre "${mid[1] ?? ''}", not the dataset's "${centreId}"`, '/metadataId');
  }
  return metadataId;
}

function readSchemes(config: DatasetConfig): Set<string> {
  const schemes = new Set((config.schemes?.length ? config.schemes : ['https']).map((s) => s.toLowerCase()));
  for (const s of schemes) {
    if (!WIS2_SCHEMES.has(s)) configError('config.schemes', `"${s}" is not a WIS2 link scheme (http, https, ftp, sftp)`, '/schemes');
  }
  return schemes;
}

/** The base URL, a directory (ending in `/`) with an accepted scheme and nothing but a path. */
function readBaseUrl(config: DatasetConfig, schemes: ReadonlySet<string>): URL | undefined {
  if (!config.baseUrl) return undefined;
  let baseUrl: URL;
  try {
    baseUrl = new URL(config.baseUrl);
  } catch {
    configError('config.base_url', `"${config.baseUrl}" is not an absolute URL`, '/baseUrl');
  }
  const scheme = baseUrl.protocol.slice(0, -1);
  if (!schemes.has(scheme)) configError('config.base_url', `the base URL scheme "${scheme}" is not among the accepted schemes`, '/baseUrl');
  if (baseUrl.username || baseUrl.password || baseUrl.search || baseUrl.hash || config.baseUrl.includes('?') || config.baseUrl.includes('#')) {
    configError('config.base_url', 'the base URL may not carry credentials, a query or a fragment', '/baseUrl');
  }
  if (!baseUrl.pathname.endsWith('/')) baseUrl.pathname += '/';
  return baseUrl;
}

function readDataIdTemplate(config: DatasetConfig): string {
  const dataIdTemplate = config.dataIdTemplate?.trim() || DEFAULT_DATA_ID_TEMPLATE;
  for (const [, name] of dataIdTemplate.matchAll(PLACEHOLDER)) {
    if (!PLACEHOLDERS.has(name)) {
      configError('config.data_id_template', `unknown placeholder {${name}}; known: ${[...PLACEHOLDERS].map((p) => `{${p}}`).join(' ')}`, '/dataIdTemplate');
    }
  }
  return dataIdTemplate;
}

/** The path pattern, a preset name or a regular expression the whole path must match. */
function readPathPattern(config: DatasetConfig): { pathPattern: RegExp; pathPatternSource: string } | undefined {
  const rawPattern = config.pathPattern?.trim();
  if (!rawPattern) return undefined;
  const source = PATH_PRESETS[rawPattern] ?? rawPattern;
  try {
    return { pathPattern: new RegExp(`^(?:${source})$`), pathPatternSource: rawPattern };
  } catch (err) {
    configError('config.path_pattern', `the path pattern is not a valid regular expression: ${(err as Error).message}`, '/pathPattern');
  }
}

function readIntegrity(config: DatasetConfig): 'optional' | 'required' {
  // typed, but read from forms and ${ENV} values: check what really arrived
  const integrity: unknown = config.integrity ?? 'optional';
  if (integrity !== 'optional' && integrity !== 'required') {
    configError('config.integrity', 'integrity is "optional" or "required"', '/integrity');
  }
  return integrity;
}

/** Checks a dataset configuration once, at deploy time, and compiles what messages will use. */
export function resolveDataset(config: DatasetConfig): Dataset {
  const centreId = readCentreId(config);
  const { topic, dataPolicy, experimental, warnings } = readTopic(config, centreId);
  const metadataId = readMetadataId(config, centreId);
  const schemes = readSchemes(config);
  const baseUrl = readBaseUrl(config, schemes);
  const dataIdTemplate = readDataIdTemplate(config);
  const pattern = readPathPattern(config);
  const integrity = readIntegrity(config);
  const dataset: Dataset = {
    centreId,
    topic,
    metadataId,
    dataPolicy,
    dataIdTemplate,
    cache: config.cache !== false && !experimental,
    schemes,
    integrity,
    warnings,
    experimental,
  };
  if (baseUrl) dataset.baseUrl = baseUrl;
  if (pattern) {
    dataset.pathPattern = pattern.pathPattern;
    dataset.pathPatternSource = pattern.pathPatternSource;
  }
  return dataset;
}

export interface CheckedHref {
  url: URL;
  /** the (still percent-encoded) path below the base URL, or below the host without one */
  path: string;
  filename: string;
}

/** A checked href whose URL object is only made when someone reads it. */
class Checked implements CheckedHref {
  constructor(
    private readonly href: string,
    readonly path: string,
    readonly filename: string,
    private parsed?: URL,
  ) {}

  get url(): URL {
    return (this.parsed ??= new URL(this.href));
  }
}

function hrefError(code: string, message: string, path: string): never {
  throw new Wis2Error('dataset', code, message, path);
}

/**
 * Path characters the WHATWG URL parser keeps exactly as written (in none of its percent-encode
 * sets, no backslash, no `?` or `#`): a path of only these parses to itself.
 */
const VERBATIM_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
/** Schemes whose URL parsing is the "special" one the reasoning of `belowBase` assumes. */
const SPECIAL_PROTOCOLS = new Set(['http:', 'https:', 'ftp:']);
interface BaseInfo {
  href: string;
  /** below this, files are found without the URL parser */
  prefix: string | undefined;
  /**
   * The prefix passes every raw check of `checkHref` on its own and ends its last path segment:
   * an href made of it and a plain path then passes them all too (see `cleanBelowBase`).
   */
  clean: boolean;
  /** the prefix's scheme, as the raw checks read it */
  scheme: string;
}

/** Per base URL object, recomputed when its href changes. */
const baseInfos = new WeakMap<URL, BaseInfo>();

function baseInfo(base: URL): BaseInfo {
  const href = base.href;
  const known = baseInfos.get(base);
  if (known?.href === href) return known;
  const plain = `${base.protocol}//${base.host}${base.pathname}`;
  const prefix = SPECIAL_PROTOCOLS.has(base.protocol) && base.hostname !== '' && plain === href ? href : undefined;
  const clean = prefix !== undefined && isCleanPrefix(base);
  const info = { href, prefix, clean, scheme: base.protocol.slice(0, -1) };
  baseInfos.set(base, info);
  return info;
}

/** What the raw checks of `checkHref` ask of the part of an href the base URL gives. */
function isCleanPrefix(base: URL): boolean {
  const { href, host, pathname } = base;
  if (!/^[\x21-\x7e]+$/.test(href) || /[\\?#]/.test(href) || host.includes('@') || !pathname.endsWith('/')) return false;
  if (pathname === '/') return true;
  const segments = pathname.slice(1, -1).split('/');
  return segments.every((seg) => seg !== '' && !isDotSegment(seg)) && !/%(?![0-9A-Fa-f]{2})/.test(pathname);
}

function basePrefix(base: URL): string | undefined {
  return baseInfo(base).prefix;
}

/** A path of plain segments: no `%`, nothing the URL parser rewrites, nothing empty. */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@]+)*$/;

/**
 * The path below the base URL of an href every raw check of `checkHref` would pass, found
 * without running them: the href is a clean base prefix of an accepted scheme followed by a
 * plain path without dot segments, and each check holds for both parts. Undefined otherwise,
 * for the checks to say what is wrong.
 */
function cleanBelowBase(dataset: Dataset, base: URL, href: string): string | undefined {
  const info = baseInfo(base);
  if (!info.clean || info.prefix === undefined || !href.startsWith(info.prefix) || !dataset.schemes.has(info.scheme)) return undefined;
  const rest = href.slice(info.prefix.length);
  return PLAIN_PATH.test(rest) && !hasDotSegment(rest) ? rest : undefined;
}

/**
 * The path below the base URL of an href that passed the raw checks, when it can be told
 * without the URL parser: the href is the serialised base URL followed by a path the parser
 * keeps verbatim, so parsing it would give the base's protocol and host and the base's path
 * followed by that same text. Undefined when the parser must decide.
 */
function belowBase(base: URL, href: string): string | undefined {
  const prefix = basePrefix(base);
  if (prefix === undefined || !href.startsWith(prefix)) return undefined;
  const rest = href.slice(prefix.length);
  return VERBATIM_PATH.test(rest) ? rest : undefined;
}

/** Whether a raw path segment is `.` or `..`, written plainly or with `%2e`. */
function isDotSegment(seg: string): boolean {
  // only `.` and `%2e` spell a dot, and at most two of them make a dot segment
  if (seg.length > 6 || seg === '') return false;
  const first = seg.charCodeAt(0);
  if (first !== 0x2e && first !== 0x25) return false;
  const decoded = seg.replace(/%2e/gi, '.');
  return decoded === '.' || decoded === '..';
}

/**
 * The announced-file URL policy. The raw string is checked before WHATWG parsing because the
 * parser silently repairs what we must refuse (it drops tabs and newlines, turns `\` into `/`,
 * resolves `..`).
 */
export function checkHref(dataset: Dataset, href: unknown, path: string): CheckedHref {
  const clean = typeof href === 'string' && dataset.baseUrl ? cleanBelowBase(dataset, dataset.baseUrl, href) : undefined;
  if (clean !== undefined) return checkedBelow(dataset, href as string, clean, undefined, path);
  if (typeof href !== 'string' || href === '') hrefError('href.invalid', 'the asset href must be a non-empty string', path);
  if (!/^[\x21-\x7e]+$/.test(href)) {
    hrefError('href.invalid', 'the href must be printable ASCII with no spaces (percent-encode anything else)', path);
  }
  if (href.includes('\\')) hrefError('href.invalid', 'the href contains a backslash', path);
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(href);
  if (!schemeMatch) hrefError('href.not_absolute', 'the href must be an absolute URL (scheme://host/path)', path);
  const scheme = schemeMatch[1].toLowerCase();
  if (!WIS2_SCHEMES.has(scheme)) hrefError('href.scheme', `"${scheme}" links are not allowed in WIS2 (http, https, ftp, sftp)`, path);
  if (!dataset.schemes.has(scheme)) {
    hrefError('href.scheme', `the dataset accepts ${[...dataset.schemes].join(', ')} links, not ${scheme}`, path);
  }
  if (href.includes('?')) hrefError('href.query', 'the href may not carry a query string', path);
  if (href.includes('#')) hrefError('href.fragment', 'the href may not carry a fragment', path);
  const afterScheme = href.slice(schemeMatch[0].length);
  const slash = afterScheme.indexOf('/');
  const authority = slash === -1 ? afterScheme : afterScheme.slice(0, slash);
  if (authority.includes('@')) hrefError('href.credentials', 'the href may not carry credentials', path);
  const rawPath = slash === -1 ? '' : afterScheme.slice(slash + 1);
  let emptySegment = rawPath === '';
  for (const seg of rawPath.split('/')) {
    if (isDotSegment(seg)) hrefError('href.dot_segment', 'the href may not contain . or .. segments', path);
    if (seg === '') emptySegment = true;
  }
  if (emptySegment) {
    hrefError('href.empty_segment', 'the href must name a file: no empty path segment, no trailing slash', path);
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(rawPath)) hrefError('href.invalid', 'the href has a malformed percent-escape', path);
  const base = dataset.baseUrl;
  let url: URL | undefined;
  let below = base ? belowBase(base, href) : undefined;
  if (below === undefined) {
    url = parseHref(href, path);
    below = pathBelow(dataset, url, path);
  }
  return checkedBelow(dataset, href, below, url, path);
}

/** The dataset's path pattern, then the result. */
function checkedBelow(dataset: Dataset, href: string, below: string, url: URL | undefined, path: string): CheckedHref {
  if (dataset.pathPattern && !dataset.pathPattern.test(below)) {
    hrefError(
      'href.path_pattern',
      `the path "${below}" does not match the dataset's path pattern${dataset.pathPatternSource === 'argo' ? ' (Argo GDAC layout)' : ''}`,
      path,
    );
  }
  const filename = below.slice(below.lastIndexOf('/') + 1);
  return new Checked(href, below, filename, url);
}

function parseHref(href: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    hrefError('href.invalid', 'the href is not a valid URL', path);
  }
  if (url.hostname === '') hrefError('href.invalid', 'the href has no host', path);
  return url;
}

function pathBelow(dataset: Dataset, url: URL, path: string): string {
  if (!dataset.baseUrl) return url.pathname.slice(1);
  const base = dataset.baseUrl;
  if (url.protocol !== base.protocol || url.host !== base.host || !url.pathname.startsWith(base.pathname)) {
    hrefError('href.outside_base', `the file is not below the dataset base URL ${base.href}`, path);
  }
  return url.pathname.slice(base.pathname.length);
}

export interface DataIdContext {
  path: string;
  filename: string;
  asset: string;
  itemId: string;
}

const DATA_ID_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]+$/;

type Placeholder = 'topic' | 'path' | 'filename' | 'centre_id' | 'asset' | 'item_id';

/**
 * A data_id template taken apart once: literal text at the even indexes, placeholder names at
 * the odd ones, and what depends on the dataset alone worked out already. `parts` is undefined
 * for a template naming something else (only a Dataset not made by resolveDataset can have one),
 * which is then expanded the general way.
 */
interface CompiledTemplate {
  template: string;
  topic: string;
  centreId: string;
  parts: string[] | undefined;
  /** the topic without its channel and version, as {topic} gives it */
  topicValue: string;
}

const TEMPLATE_PLACEHOLDER = /\{([a-z_]+)\}/g;
const compiledTemplates = new WeakMap<Dataset, CompiledTemplate>();

function compiledTemplate(dataset: Dataset): CompiledTemplate {
  const known = compiledTemplates.get(dataset);
  if (known?.template === dataset.dataIdTemplate && known.topic === dataset.topic && known.centreId === dataset.centreId) return known;
  const template = dataset.dataIdTemplate;
  let parts: string[] | undefined = [];
  let last = 0;
  for (const m of template.matchAll(TEMPLATE_PLACEHOLDER)) {
    const name = m[1];
    if (!PLACEHOLDERS.has(name)) {
      parts = undefined;
      break;
    }
    parts.push(template.slice(last, m.index), name);
    last = m.index + m[0].length;
  }
  parts?.push(template.slice(last));
  const compiled = { template, topic: dataset.topic, centreId: dataset.centreId, parts, topicValue: dataset.topic.replace(/^origin\/a\//, '') };
  compiledTemplates.set(dataset, compiled);
  return compiled;
}

function placeholderValue(name: Placeholder, compiled: CompiledTemplate, ctx: DataIdContext): string {
  switch (name) {
    case 'topic':
      return compiled.topicValue;
    case 'path':
      return ctx.path;
    case 'filename':
      return ctx.filename;
    case 'centre_id':
      return compiled.centreId;
    case 'asset':
      return encodeURIComponent(ctx.asset);
    case 'item_id':
      return encodeURIComponent(ctx.itemId);
  }
}

function expandTemplate(compiled: CompiledTemplate, ctx: DataIdContext): string {
  const { parts } = compiled;
  if (parts === undefined) {
    const values: Record<string, string> = {
      topic: compiled.topicValue,
      path: ctx.path,
      filename: ctx.filename,
      centre_id: compiled.centreId,
      asset: encodeURIComponent(ctx.asset),
      item_id: encodeURIComponent(ctx.itemId),
    };
    return compiled.template.replace(TEMPLATE_PLACEHOLDER, (_m, name: string) => values[name] ?? '');
  }
  const out = [parts[0]];
  for (let i = 1; i < parts.length; i += 2) out.push(placeholderValue(parts[i] as Placeholder, compiled, ctx), parts[i + 1]);
  return flat(out);
}

/** Whether a path has a `.` or `..` segment. */
function hasDotSegment(p: string): boolean {
  return (
    p === '.' || p === '..' || p.startsWith('./') || p.startsWith('../') || p.endsWith('/.') || p.endsWith('/..') || p.includes('/./') || p.includes('/../')
  );
}

/**
 * Expands the data_id template. data_id is a URL path component for Global Caches (they serve
 * the copy at `<cache URL>/<data_id>`), so the result must be path-safe.
 */
export function expandDataId(dataset: Dataset, ctx: DataIdContext, path: string): string {
  const dataId = expandTemplate(compiledTemplate(dataset), ctx);
  if (dataId === '' || dataId.startsWith('/') || dataId.includes('//') || !DATA_ID_CHARS.test(dataId)) {
    hrefError('data_id.invalid', `the data_id "${dataId}" is not a safe URL path (no leading slash, no empty segment)`, path);
  }
  if (hasDotSegment(dataId)) {
    hrefError('data_id.invalid', 'the data_id may not contain . or .. segments', path);
  }
  if (dataId.startsWith('origin/a/') || dataId.startsWith('cache/a/')) {
    hrefError('data_id.invalid', 'the data_id may not start with the channel and version (origin/a/)', path);
  }
  return dataId;
}
