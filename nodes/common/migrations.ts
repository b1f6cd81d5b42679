import type { Node, NodeAPI, NodeDef } from 'node-red';

/** A node's saved configuration, which says the version of its shape (none: saved before versions). */
export type Versioned = NodeDef & { version?: number };

/**
 * One step of a configuration's history: `up` brings a configuration of the version before to
 * `version`, filling what the older shape lacked so that the node behaves as it did then.
 */
export interface Migration<Saved extends Versioned = Versioned> {
  readonly version: number;
  up<C extends Saved>(config: C): C;
}

/** Flows saved before versions existed are version 0; a version saved as text counts as its number. */
function versionOf(config: Versioned): number {
  return Number(config.version) || 0;
}

export function latestVersion(steps: readonly { readonly version: number }[]): number {
  return steps.at(-1)?.version ?? 0;
}

/**
 * Brings a saved configuration to the latest version by applying, in order, each step above the
 * version it has. A configuration of a version newer than the steps know (a flow saved by a later
 * release) is left as it is: `newer` is told, so that the node can say it.
 */
export function migrate<Saved extends Versioned, C extends Saved>(
  config: C,
  steps: readonly Migration<Saved>[],
  newer?: (version: number, latest: number) => void,
): C {
  const from = versionOf(config);
  const latest = latestVersion(steps);
  if (from > latest) newer?.(from, latest);
  return steps.filter((step) => step.version > from).reduce<C>((c, step) => ({ ...step.up(c), version: step.version }), config);
}

/** `migrate` at the top of a node's constructor: a configuration too new is logged by the node. */
export function migrateConfig<Saved extends Versioned, C extends Saved>(RED: NodeAPI, node: Node, config: C, steps: readonly Migration<Saved>[]): C {
  return migrate(config, steps, (version, latest) => {
    node.warn(RED._(`${node.type}.migration.newer`, { version, latest }));
  });
}

/** The first version of a node whose shape has not changed since: older flows are only stamped. */
export const FIRST_VERSION: Migration = { version: 1, up: (config) => config };
