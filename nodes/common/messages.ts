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
