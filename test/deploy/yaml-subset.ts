/**
 * Reads the small part of YAML that compose.yml uses, so the deploy tests need no YAML library:
 * block mappings and sequences, flow sequences of scalars (`["a", "b"]`), plain, single- and
 * double-quoted scalars, and comments. Every scalar stays a string (compose reads `5` and `"5"`
 * alike where the tests look). Anything else (anchors, aliases, tags, block scalars, flow
 * mappings, several documents) is refused with its line number, so the compose file stays
 * within what the tests understand instead of being half read.
 */

export type YamlValue = string | null | YamlValue[] | YamlMap;
export interface YamlMap {
  [key: string]: YamlValue;
}

interface Line {
  no: number;
  indent: number;
  text: string;
}

class YamlSubsetError extends Error {
  constructor(line: number, message: string) {
    super(`compose YAML line ${line}: ${message}`);
  }
}

/** Where a quoted scalar may start: at the beginning, or after one of these (and spaces). */
const TOKEN_START = new Set([':', '-', '[', ',']);

function stripComment(raw: string, no: number): string {
  let quote: '"' | "'" | undefined;
  let previous = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
      continue;
    }
    if (quote === "'") {
      if (c === "'" && raw.charAt(i + 1) === "'") i++;
      else if (c === "'") quote = undefined;
      continue;
    }
    if ((c === '"' || c === "'") && (previous === '' || TOKEN_START.has(previous))) {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(raw.charAt(i - 1)))) {
      return raw.slice(0, i).trimEnd();
    }
    if (!/\s/.test(c)) previous = c;
  }
  if (quote) throw new YamlSubsetError(no, 'unterminated quoted scalar');
  return raw.trimEnd();
}

function toLines(source: string): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    const no = i + 1;
    const indentText = /^[ \t]*/.exec(raw)?.[0] ?? '';
    if (indentText.includes('\t')) throw new YamlSubsetError(no, 'tab in indentation');
    const text = stripComment(raw, no).slice(indentText.length);
    if (text === '') return;
    if (text === '---' || text === '...' || text.startsWith('%')) throw new YamlSubsetError(no, 'document markers and directives are not supported');
    lines.push({ no, indent: indentText.length, text });
  });
  return lines;
}

function parseDoubleQuoted(text: string, no: number): { value: string; rest: string } {
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') return { value, rest: text.slice(i + 1) };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const escaped = text.charAt(++i);
    const map: Partial<Record<string, string>> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t' };
    const replacement = map[escaped];
    if (replacement === undefined) throw new YamlSubsetError(no, `unsupported escape \\${escaped}`);
    value += replacement;
  }
  throw new YamlSubsetError(no, 'unterminated double-quoted scalar');
}

function parseSingleQuoted(text: string, no: number): { value: string; rest: string } {
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "'" && text.charAt(i + 1) === "'") {
      value += "'";
      i++;
    } else if (c === "'") {
      return { value, rest: text.slice(i + 1) };
    } else {
      value += c;
    }
  }
  throw new YamlSubsetError(no, 'unterminated single-quoted scalar');
}

function parseScalar(text: string, no: number): string {
  const trimmed = text.trim();
  const first = trimmed.charAt(0);
  if (first === '"' || first === "'") {
    const { value, rest } = first === '"' ? parseDoubleQuoted(trimmed, no) : parseSingleQuoted(trimmed, no);
    if (rest.trim() !== '') throw new YamlSubsetError(no, `text after a quoted scalar: ${rest}`);
    return value;
  }
  if ('&*!|>{}[]%@`'.includes(first) && first !== '') throw new YamlSubsetError(no, `unsupported YAML construct: ${trimmed}`);
  return trimmed;
}

function parseFlowSequence(text: string, no: number): string[] {
  const inner = text.trim().slice(1);
  if (!inner.endsWith(']')) throw new YamlSubsetError(no, 'a flow sequence must end on its line');
  const body = inner.slice(0, -1).trim();
  if (body === '') return [];
  const items: string[] = [];
  let rest = body;
  for (;;) {
    rest = rest.trimStart();
    let item: string;
    const first = rest.charAt(0);
    if (first === '"' || first === "'") {
      const parsed = first === '"' ? parseDoubleQuoted(rest, no) : parseSingleQuoted(rest, no);
      item = parsed.value;
      rest = parsed.rest.trimStart();
    } else {
      const comma = rest.indexOf(',');
      const raw = comma < 0 ? rest : rest.slice(0, comma);
      item = parseScalar(raw, no);
      rest = comma < 0 ? '' : rest.slice(comma);
    }
    items.push(item);
    if (rest === '') return items;
    if (!rest.startsWith(',')) throw new YamlSubsetError(no, `expected "," in flow sequence, got ${rest}`);
    rest = rest.slice(1);
  }
}

function parseValue(text: string, no: number): YamlValue {
  return text.trim().startsWith('[') ? parseFlowSequence(text, no) : parseScalar(text, no);
}

/** `key: value` or `key:`; undefined when the text is not a mapping entry. */
function splitEntry(text: string, no: number): { key: string; value: string } | undefined {
  const first = text.charAt(0);
  if (first === '"' || first === "'") {
    const { value: key, rest } = first === '"' ? parseDoubleQuoted(text, no) : parseSingleQuoted(text, no);
    const m = /^\s*:(?:\s+(.*))?$/.exec(rest);
    return m ? { key, value: m.at(1) ?? '' } : undefined;
  }
  const m = /^([^\s:[\]{},#&*!|>'"%@`-][^:]*?|-[^\s:][^:]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!m?.[1]) return undefined;
  return { key: m[1], value: m.at(2) ?? '' };
}

function isSequenceItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

class Parser {
  private pos = 0;

  constructor(private readonly lines: Line[]) {}

  parseDocument(): YamlValue {
    if (this.lines.length === 0) return null;
    const value = this.parseNode(0);
    const extra = this.peek();
    if (extra) throw new YamlSubsetError(extra.no, 'unexpected indentation');
    return value;
  }

  private peek(): Line | undefined {
    return this.lines[this.pos];
  }

  private parseNode(minIndent: number): YamlValue {
    const line = this.peek();
    if (!line || line.indent < minIndent) return null;
    return isSequenceItem(line.text) ? this.parseSequence(line.indent) : this.parseMapping(line.indent);
  }

  private parseSequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.peek(); line && line.indent === indent && isSequenceItem(line.text); line = this.peek()) {
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        this.pos++;
        const next = this.peek();
        items.push(next && next.indent > indent ? this.parseNode(indent + 1) : null);
      } else if (isSequenceItem(rest)) {
        throw new YamlSubsetError(line.no, 'nested sequences on one line are not supported');
      } else if (splitEntry(rest, line.no)) {
        // "- key: value" opens a mapping whose keys line up with "key"
        const column = indent + (line.text.length - rest.length);
        this.lines[this.pos] = { no: line.no, indent: column, text: rest };
        items.push(this.parseMapping(column));
      } else {
        this.pos++;
        items.push(parseValue(rest, line.no));
      }
    }
    const after = this.peek();
    if (after && after.indent > indent) throw new YamlSubsetError(after.no, 'unexpected indentation');
    return items;
  }

  private parseMapping(indent: number): YamlMap {
    const map: YamlMap = {};
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      if (isSequenceItem(line.text)) throw new YamlSubsetError(line.no, 'a sequence item where a mapping key was expected');
      const entry = splitEntry(line.text, line.no);
      if (!entry) throw new YamlSubsetError(line.no, `not a "key: value" line: ${line.text}`);
      if (Object.prototype.hasOwnProperty.call(map, entry.key)) throw new YamlSubsetError(line.no, `duplicate key ${entry.key}`);
      this.pos++;
      if (entry.value !== '') {
        map[entry.key] = parseValue(entry.value, line.no);
        continue;
      }
      const next = this.peek();
      if (next && next.indent > indent) map[entry.key] = this.parseNode(indent + 1);
      else if (next && next.indent === indent && isSequenceItem(next.text)) map[entry.key] = this.parseSequence(indent);
      else map[entry.key] = null;
    }
    const after = this.peek();
    if (after && after.indent > indent) throw new YamlSubsetError(after.no, 'unexpected indentation');
    return map;
  }
}

export function parseYamlSubset(source: string): YamlValue {
  return new Parser(toLines(source)).parseDocument();
}

export function isMap(value: YamlValue | undefined): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
