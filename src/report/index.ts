/** The report stage: connection records -> aggregates, pool verdict, comparison. */
export type * from './types.js';
export { percentile, distribution } from './stats.js';
export { summarize, hasServerHello } from './summary.js';
export {
  destinationKey,
  destinations,
  DestinationTable,
  destinationStats,
  groupByDestination,
  peakConcurrency,
  IDLE_CLOSE_MIN_SEC,
} from './destinations.js';
export { DEFAULT_POOL_OPTIONS, RECOMMENDED_IDLE_FACTOR, releaseTime, simulatePool, fmtRate } from './pool.js';
export { compareAnalyses, handshakeSeen } from './compare.js';
export { requestsOf, totalRequests, type RequestCount } from './requests.js';
export { captureRttMs, processingMs, REFERENCE_RTTS_MS } from './rates.js';
export {
  findingGroups,
  GROUP_IDS_KEPT,
  hasFinding,
  handshakeFailure,
  handshakeFailures,
  isNormalReset,
  normalResets,
  poolingFindings,
  type FindingGroup,
  type PoolingFindings,
} from './findings.js';
export { RowStore, RowView, allRows, ROW_BYTES_MAX, type ConnRow, type RowFinding } from './rows.js';
export { QuantileSketch, sketchOf, EXACT_MAX, RELATIVE_ERROR } from './sketch.js';
export { TopN } from './top.js';
