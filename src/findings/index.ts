/**
 * The findings stage: per finished connection, `findings: Finding[]`.
 *
 *   const engine = new FindingsEngine(options);
 *   for each record in close order:  record.findings = engine.connection(record, facts, captureEnd)
 *   engine.vantage()                  // where the capture was taken
 */
import type { ConnectionRecord } from '../timeline/types.js';
import { connectionFindings } from './detect.js';
import { quicFindings } from './quic.js';
import type { ConnectionFacts } from './facts.js';
import { RetryTracker } from './retry.js';
import { findingOptions, FINDING_CODES, type Finding, type FindingOptions } from './types.js';
import { VantageEstimator, type VantageGuess } from './vantage.js';

export * from './types.js';
export * from './facts.js';
export { FINDINGS_CATALOG, type CatalogEntry } from './catalog.js';
export { connectionFindings, type DetectContext } from './detect.js';
export { quicFindings, quicErrorText } from './quic.js';
export { RetryTracker, isFailedAttempt, destinationKey, type RetryTrackerOptions } from './retry.js';
export { VantageEstimator, guessVantage, handshakeLegs, DEFAULT_VANTAGE_OPTIONS, type VantageGuess, type VantagePoint, type VantageOptions } from './vantage.js';

const ORDER = new Map(FINDING_CODES.map((c, i) => [c, i]));

export class FindingsEngine {
  readonly options: FindingOptions;
  private readonly retries: RetryTracker;
  /**
   * QUIC attempts apart from TCP ones (QUIC ids are numbered apart from TCP's, so a late
   * finding could not name its record): late QUIC retry findings are not reported.
   */
  private readonly quicRetries: RetryTracker;
  private readonly vantageEst = new VantageEstimator();

  /**
   * `onLate`: retry findings for a connection already returned, found when an earlier
   * attempt's record closed later (e.g. an unanswered connection finalized at the end).
   */
  constructor(options: Partial<FindingOptions> = {}, onLate?: (connectionId: number, findings: Finding[], first: boolean) => void) {
    this.options = findingOptions(options);
    this.retries = new RetryTracker(this.options, onLate ? { onLate } : {});
    this.quicRetries = new RetryTracker(this.options);
  }

  /** Findings of one QUIC connection (its record alone); call in close order. */
  quicConnection(rec: ConnectionRecord, captureEnd: number): Finding[] {
    const own = quicFindings(rec, { captureEnd, options: this.options });
    const all = [...own, ...this.quicRetries.observe(rec, own)];
    return all.sort((a, b) => a.frame - b.frame || ORDER.get(a.code)! - ORDER.get(b.code)!);
  }

  /** Findings of one connection; call in close order. `captureEnd`: latest frame time seen so far. */
  connection(rec: ConnectionRecord, facts: ConnectionFacts, captureEnd: number): Finding[] {
    const own = connectionFindings(rec, facts, { captureEnd, options: this.options });
    const all = [...own, ...this.retries.observe(rec, own)];
    this.vantageEst.add(rec);
    return all.sort((a, b) => a.frame - b.frame || ORDER.get(a.code)! - ORDER.get(b.code)!);
  }

  vantage(): VantageGuess {
    return this.vantageEst.guess();
  }
}
