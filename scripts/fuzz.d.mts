// Types of scripts/fuzz.mjs for the jest tests (test/fuzz/).
export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(arr: readonly T[]): T;
}
export function rng(seed: number): Rng;
export interface Budgets {
  timeBudgetMs?: number;
  rssBudgetMiB?: number;
}
export interface Failure {
  kind: 'exception' | 'time' | 'memory' | 'hang';
  message: string;
}
export interface FuzzFailure extends Failure {
  i: number;
  fixture: string;
  steps: string[];
  mseed: number;
  from: string;
  data: Buffer;
  ext: string;
}
/** The pipeline functions the harness calls (from src/ or dist/). */
export type PipelineApi = Record<string, any>;
export const MUTATOR_NAMES: string[];
export function records(buf: Buffer): { kind: 'pcap' | 'pcapng' | 'raw'; head: number; recs: { at: number; len: number; dataAt: number; dataLen: number }[] };
export function mutate(input: Buffer, seed: number): { data: Buffer; steps: string[] };
export function runPipeline(path: string, api: PipelineApi): Promise<unknown>;
export function loadDist(dist?: string): Promise<PipelineApi>;
export function fixtureCorpus(dir: string): { name: string; data: Buffer }[];
export function checkOne(path: string, api: PipelineApi, budgets?: Budgets): Promise<Failure | null>;
export function saveRegression(dir: string, data: Buffer, ext: string, info: { kind: string; message: string; from: string }): string;
export function extOf(name: string): string;
export function fuzzRange(o: {
  api: PipelineApi;
  corpus: { name: string; data: Buffer }[];
  seed: number;
  from: number;
  to: number;
  tmp: string;
  budgets?: Budgets;
  onStart?: (i: number) => void;
  onFailure?: (f: FuzzFailure) => void;
}): Promise<FuzzFailure[]>;
