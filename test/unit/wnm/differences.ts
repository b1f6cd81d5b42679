import { validWnm, type Json, type JsonObject } from './fixtures';

/**
 * Where our schema deliberately disagrees with the official bundled schema. In each case the
 * official schema accepts a message that ours refuses; `explains` recognises such a message and
 * `repair` removes the cause, after which both schemas must agree again.
 */
export interface DeliberateDifference {
  name: string;
  reason: string;
  /** A message showing the difference (accepted by the official schema, refused by ours). */
  example: () => JsonObject;
  explains: (message: unknown) => boolean;
  repair: (message: JsonObject) => void;
}

function record(value: unknown): Record<string, Json> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, Json>) : undefined;
}

export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [
  {
    name: 'a Polygon without any ring',
    reason:
      'RFC 7946 §3.1.6 defines a Polygon by its linear rings, so an empty coordinates array locates nothing; ' +
      '/req/core/geometry B asks for a null geometry when no location can be derived. The official schema has no minItems on the rings.',
    example: () => {
      const m = validWnm();
      m.geometry = { type: 'Polygon', coordinates: [] };
      return m;
    },
    explains: (message) => {
      const geometry = record(record(message)?.geometry);
      return geometry?.type === 'Polygon' && Array.isArray(geometry.coordinates) && geometry.coordinates.length === 0;
    },
    repair: (message) => {
      (message.geometry as JsonObject).coordinates = [[[0, 0], [1, 0], [1, 1], [0, 0]]];
    },
  },
  {
    name: 'an empty data_id',
    reason:
      '/req/core/data_id A asks for an identifier of the data, unique within the dataset (B); an empty string identifies nothing. ' +
      'The official schema only asks for a string.',
    example: () => {
      const m = validWnm();
      (m.properties as JsonObject).data_id = '';
      return m;
    },
    explains: (message) => record(record(message)?.properties)?.data_id === '',
    repair: (message) => {
      (message.properties as JsonObject).data_id = 'repaired/data-id';
    },
  },
];
