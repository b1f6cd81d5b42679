import type { Warning } from '../lib/core/errors';
import type { Operation } from '../lib/wnm';

/** What the node adds to each notification message, for the nodes downstream and for logs. */
export interface Wis2MessageInfo {
  centreId: string;
  topic: string;
  dataId: string;
  operation: Operation;
  href: string;
  /** what identifies this version of the file, remembered once the notification is queued */
  fingerprint: string;
  /** the id of the dataset config node whose memory records the announcement */
  dataset: string;
  bytes: number;
  eventId: string;
  eventSource: string;
  eventType: string;
  warnings: { code: string; message: string; path: string }[];
  /** ms since the epoch: when the event reached the converter (publication latency) */
  receivedAt?: number;
  /** the event's own `time`, when it has one (event age at publication) */
  eventTime?: string;
}

/** What `wis2-wcmp-to-wnm` says in `msg.wis2` of a metadata notification it made. */
export interface MetadataMessageInfo {
  centreId: string;
  topic: string;
  dataId: string;
  metadataId: string;
  operation: Operation;
  href: string;
  /** size of the serialised notification */
  bytes: number;
  /** size of the record, the link's length */
  recordBytes: number;
  /** sha512 of the record, base64: the integrity value */
  digest: string;
  /** the same announcement as one already made today, with the same id */
  repeat: boolean;
  /** the record's properties.updated, which a catalogue's copy is compared by */
  updated?: string;
  /** digest of the record without its links, which a catalogue rewrites */
  contentHash: string;
  warnings: Warning[];
}
