/**
 * What the command line runs, loaded only once a command runs (src/cli.ts
 * imports it dynamically): the analysis, the reports and the writers. The
 * terminal UI draws its first screen before this is loaded (issue 14: first
 * screen within 0.3 s; importing these took ~0.1-0.25 s).
 *
 * The protobuf reader and writer (and protobufjs with them: ~65 ms of CPU)
 * load only when a saved analysis is read or written (loadProtobuf).
 */
export { analyzeFile } from './analyze.js';
export { LiveReport } from './report/live.js';
export { formatInfo, formatSavedInfo, infoJson, savedInfoJson } from './output/info.js';
export { DocumentWriter, LineBatcher, ndjsonLine, outputBackpressure, write, writeJsonDocument } from './output/json.js';
export { RecordSpill } from './output/spill.js';
export { isSavedAnalysis } from './output/hlpb-magic.js';
export { formatPoolReport } from './output/pool-text.js';
export { formatComparison } from './output/compare-text.js';
export { formatTextReport } from './output/text.js';
export { allRows, poolingFindings, summarize } from './report/index.js';
export { destinationDigest } from './report/digest.js';
export { compareDigest } from './report/compare.js';
export { DestinationsJsonWriter } from './output/destinations-json.js';
export { connectionOrder } from './view/model.js';
export { poolingFindingLines } from './view/findings.js';
export { wrap } from './view/format.js';

/** src/output/protobuf.ts, loaded on first use: only saved analyses (.hlpb) need protobufjs. */
export function loadProtobuf(): Promise<typeof import('./output/protobuf.js')> {
  return import('./output/protobuf.js');
}

/** Reads a saved analysis (.hlpb); loads the protobuf reader first. */
export async function readSavedAnalysis(path: string): Promise<import('./report/types.js').Analysis> {
  return (await loadProtobuf()).readSavedAnalysis(path);
}
