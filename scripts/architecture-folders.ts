/**
 * What each folder of `nodes/` and `bin/` holds and may import: the prose of
 * docs/architecture.md, which `architecture.ts` completes with the diagram and the file lists.
 * The import rules stated here are checked by test/architecture.spec.ts.
 */
export interface FolderDescription {
  folder: string;
  about: string;
  mayImport: string;
}

const LIB_RULE = 'other nodes/lib folders (no cycle between folders), Node.js, ajv; never Node-RED, nodes/common, a node folder or bin.';

export const FOLDERS: readonly FolderDescription[] = [
  {
    folder: 'nodes/lib/argo',
    about: 'The Argo GDAC index (its reader) and the reconciliation of what the index lists with what was announced, behind `wis2 reconcile` and the `wis2-argo-reconcile` node.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/cloudevent',
    about: 'Strict CloudEvents 1.0 intake, structured or MQTT 5 binary mode, and the lexical rules (RFC 3339, URIs, media types) it borrows.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/core',
    about: 'What every other folder of the library builds on, each concept once: the `Wis2Error` shape, the RFC 3339 reader, the GeoJSON reader the WNM and WCMP checks specialise, the findings collector behind both test suites, integrity methods and digest sizes, name-based UUIDs, and the small helpers (`isRecord`, JSON byte length, whole numbers, a bounded memo).',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/dataset',
    about: 'A WIS2 dataset as the pipeline publishes it: centre, topic, metadata id, the URLs it may announce.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/feedback',
    about: 'What comes back from WIS2: the Global Caches\' republications (cache tracker), the Monitoring Events, the Global Discovery Catalogue check, and the download check a cache will make before we publish.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/intake',
    about: 'Safe JSON intake: bounded size and depth before any recursive code sees what a broker or a node handed over.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/publish',
    about: 'From a file event to a notification ready to send: the conversion, what to announce again, the last check before publishing, the publisher that queues each notification until the broker answers, the dead-letter record, MQTT topics and versions, the discovery metadata records a runtime announces.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/reliability',
    about: 'Nothing lost across restarts and outages: the journals (inbox, outbox), their lock, the memory of what was announced, the log of what a broker acknowledged, the sessions left on brokers.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/stac',
    about: 'The part of a STAC Item a notification needs (identity, geometry, time, the files it announces), and the multihash checksums its integrity is made of.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/wcmp',
    about: 'WCMP2 discovery metadata: the executable test suite of WCMP 2.3, one module per concern, its report, the KPIs and the link probes.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/wnm',
    about: 'WIS2 Notification Messages: building them, the WNM 1.3 test suite (rules, schema, report) and the notification of a metadata record.',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/lib/wth',
    about: 'The WIS2 Topic Hierarchy: the codelist snapshot, the tree over it, topic validation with "did you mean".',
    mayImport: LIB_RULE,
  },
  {
    folder: 'nodes/common',
    about: 'What the Node-RED nodes share and the library must not know of: the config nodes as the others see them, status, reject messages, metrics, settling received messages, per-runtime state.',
    mayImport: 'nodes/lib, Node-RED\'s types, the MQTT client and the metrics registry. Not the node folders, not bin.',
  },
  {
    folder: 'nodes/wis2-*',
    about: 'The node adapters, one folder per node with its editor HTML, locales and icons: each turns Node-RED\'s messages and settings into calls to nodes/lib.',
    mayImport: 'nodes/lib and nodes/common; not another node\'s folder, not bin.',
  },
  {
    folder: 'bin',
    about: 'The programs: the `wis2` command (`wis2.ts`), `npm start` and `npm run demo`, and starting a Node-RED runtime with the shipped flows.',
    mayImport: 'bin/cli, bin/commands and nodes/lib. Not the node folders: the runtime loads them.',
  },
  {
    folder: 'bin/cli',
    about: 'What the commands share: their input and output (`CommandIo`), the command line and its errors, the broker options and connection, the sample events.',
    mayImport: 'nodes/lib. Not the node folders, not bin/commands.',
  },
  {
    folder: 'bin/commands',
    about: 'The groups of the `wis2` command, one module each, exporting `run(args, io)`: `wis2` lists this folder.',
    mayImport: 'bin/cli, other commands and nodes/lib. Not the node folders.',
  },
];
