/**
 * WMO Core Metadata Profile 2 (WCMP 2.3, Manual on WIS Vol. II, Appendix F): the executable test
 * suite of the 14 abstract tests, and the KPI scoring of metadata quality.
 *
 * Finding codes are `<test>.<what>` (for example `links.channel_topic`,
 * `identifier.centre_id_unknown`); each finding also carries the JSON Pointer of the member at
 * fault and the rule it breaks, which its message cites first.
 */
export { validateWcmp, MAX_DEPTH } from './suite';
export type { WcmpOptions } from './suite';
export {
  WCMP2_BASE,
  WCMP2_CONFORMANCE_CLASS,
  WCMP_TEST_NAMES,
  WCMP_TEST_IDS,
  testId,
} from './report';
export type { TestCode, WcmpFinding, WcmpReport, WcmpSummary, WcmpTestName, WcmpTestResult } from './report';
export { evaluateKpis, grade, KPI_BASE, KPI_IDS, KPI_NAMES } from './kpi';
export type { Grade, KpiName, KpiOptions, KpiReport, KpiResult, KpiRule, KpiStatus, KpiSummary, RuleResult } from './kpi';
export { schemaValidator } from './schema';
export * as wcmpCodelists from './codelists';
