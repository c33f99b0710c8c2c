/** The pipeline functions the fuzz harness (scripts/fuzz.mjs) calls, taken from src/. */
import { analyzeFile } from '../../src/analyze.js';
import { ndjsonLine, writeJsonDocument } from '../../src/output/json.js';
import { ProtobufWriter, readSavedAnalysisStream } from '../../src/output/protobuf.js';
import { formatTextReport } from '../../src/output/text.js';
import { RowStore, compareAnalyses, destinations, simulatePool, summarize } from '../../src/report/index.js';
import { formatPoolReport } from '../../src/output/pool-text.js';
import { formatInfo, infoJson } from '../../src/output/info.js';
import { formatComparison } from '../../src/output/compare-text.js';
import { detailLines } from '../../src/view/model.js';
import { destinationDigest } from '../../src/report/digest.js';
import { compareDigest } from '../../src/report/compare.js';
import type { PipelineApi } from '../../scripts/fuzz.mjs';

export const srcApi: PipelineApi = {
  analyzeFile,
  writeJsonDocument,
  ndjsonLine,
  ProtobufWriter,
  readSavedAnalysisStream,
  formatTextReport,
  summarize,
  simulatePool,
  destinations,
  compareAnalyses,
  destinationDigest,
  RowStore,
  compareDigest,
  formatPoolReport,
  infoJson,
  formatInfo,
  formatComparison,
  detailLines,
};
