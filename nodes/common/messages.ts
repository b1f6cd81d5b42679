import type { Operation } from '../lib/wnm/build';

/** What the node adds to each notification message, for the nodes downstream and for logs. */
export interface Wis2MessageInfo {
  centreId: string;
  topic: string;
  dataId: string;
  operation: Operation;
  href: string;
  bytes: number;
  eventId: string;
  eventSource: string;
  eventType: string;
  warnings: { code: string; message: string; path: string }[];
}
