/**
 * WIS2 Notification Message (WNM 1.3, Manual on WIS Vol. II, Appendix E): building the
 * notification of a data file or of a WCMP2 record, our JSON Schema of it, and the executable
 * test suite of Annex A in pywis-pubsub's report shape.
 *
 * Test ids are the standard's (`http://wis.wmo.int/spec/wnm/1/conf/core/<test>`), and each
 * problem a test reports carries the JSON Pointer of the member at fault.
 */
export { MAX_INLINE_BYTES, MAX_MESSAGE_BYTES, WNM_CONFORMANCE, oversizeReason, type Operation } from './standard';
export { buildNotification, inlineContent, mediaTypeFor, notificationId } from './build';
export type { BuildContext, BuiltNotification, DuplicateFile, ReadyNotification, WisNotification, WnmContent, WnmLink, WnmProperties } from './build';
export {
  MAX_REMEMBERED_RECORDS,
  MetadataMemory,
  RECORD_LIMITS,
  WCMP2_MEDIA_TYPE,
  buildMetadataNotification,
  checkRecordUrl,
  decideAnnouncement,
  metadataDataId,
  metadataNotification,
  metadataTopic,
  pathSegment,
  readMetadataRecord,
  recordDigest,
  utcDay,
} from './metadata';
export type { AnnouncedRecord, MetadataNotification, MetadataOptions, MetadataRecord, Requested } from './metadata';
export { WNM_SCHEMA_ID, validateWnmSchema, warmUpWnmSchema, wnmSchema, type SchemaIssue } from './schema';
export { GENERATED_BY } from '../core/report';
export { announcesMetadata } from './rules-links';
export { PUBTIME_CLOCK_SKEW_MS, failedTests, validateWnm, type WnmSuiteOptions } from './suite';
export {
  MAX_ERRORS_PER_TEST,
  WNM_CONF_CORE,
  WNM_REC_CORE,
  WNM_RECOMMENDATIONS,
  WNM_TESTS,
  type EtsCode,
  type EtsError,
  type EtsReport,
  type EtsSummary,
  type EtsTest,
  type WnmRecommendationName,
  type WnmTestName,
} from './suite-report';
