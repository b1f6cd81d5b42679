/**
 * The deployment's YAML (compose files, Prometheus configuration and rules, Grafana
 * provisioning) read with the `yaml` package, as compose reads the values the tests look at:
 * every scalar a string (`5` and `"5"` alike), an empty value null.
 */
import { parse } from 'yaml';

export type YamlValue = string | null | YamlValue[] | YamlMap;
export interface YamlMap {
  [key: string]: YamlValue;
}

export function parseYaml(source: string): YamlValue {
  // the failsafe schema has only strings, sequences and mappings; the null tag adds empty values
  return parse(source, { schema: 'failsafe', customTags: ['null'] }) as YamlValue;
}

export function isMap(value: YamlValue | undefined): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
