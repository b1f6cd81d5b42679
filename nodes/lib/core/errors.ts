/**
 * Every refusal in the library is a `Wis2Error`: a stable machine-readable `code`, a human
 * `message`, the JSON Pointer (RFC 6901) `path` of the member at fault in the input, and the
 * pipeline `stage` that refused it. Nodes copy `toJSON()` into `msg.error` unchanged.
 */
export type Stage = 'intake' | 'cloudevent' | 'stac' | 'dataset' | 'wnm' | 'check' | 'publish' | 'config' | 'monitor' | 'cache';

export interface ErrorDetail {
  code: string;
  message: string;
  path: string;
  stage: Stage;
}

export class Wis2Error extends Error {
  readonly code: string;
  readonly path: string;
  readonly stage: Stage;

  constructor(stage: Stage, code: string, message: string, path = '') {
    super(message);
    this.name = 'Wis2Error';
    this.stage = stage;
    this.code = code;
    this.path = path;
  }

  toJSON(): ErrorDetail {
    return { code: this.code, message: this.message, path: this.path, stage: this.stage };
  }
}

/**
 * Appends reference tokens to a JSON Pointer (RFC 6901), escaping `~` and `/` only where they
 * occur: the suites build many paths and almost none need it.
 */
export function pointer(base: string, ...tokens: (string | number)[]): string {
  let out = base;
  for (const t of tokens) {
    if (typeof t === 'number') out += '/' + String(t);
    else out += '/' + (t.includes('~') || t.includes('/') ? t.replace(/~/g, '~0').replace(/\//g, '~1') : t);
  }
  return out;
}

/** Turns anything thrown into an ErrorDetail, keeping the details of a Wis2Error. */
export function describeError(err: unknown, stage: Stage): ErrorDetail {
  if (err instanceof Wis2Error) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: `${stage}.unexpected`, message, path: '', stage };
}

/** A rule the input bends but does not break: the work goes on and the warning travels with it. */
export interface Warning {
  code: string;
  message: string;
  path: string;
}
