/**
 * A JSON document whose `destinations` list is written without holding every
 * destination (`pool --format json`, `compare --format json`): each one, as it
 * is computed (destinationDigest's `onPool`, compareDigest's `onRow`), is turned
 * into its JSON text at once and appended to a temporary file (TempBytes); only
 * its weight (total setup ms), its place in the order (TotalKeyOrder: not its key)
 * and its place in the file are kept. The document
 * is then written in the report's order (weight, largest first, then key), the
 * same bytes as `JSON.stringify(report, null, 2)`. A scan of a million
 * addresses is ~1.5 GB of pool JSON: more than V8's longest string, and ~1.7 KB
 * per destination while the report was built.
 */
import { TempBytes } from '../base/spill.js';
import { Float64Column, Uint32Column } from '../base/typed.js';
import { TotalKeyOrder } from '../report/order.js';
import type { DocumentWriter } from './json.js';

/** A destination in the document: its JSON at the depth of the `destinations` list (4 spaces). */
function itemText(p: object): string {
  return '    ' + JSON.stringify(p, null, 2).replace(/\n/g, '\n    ');
}

const MARK = '\u0000destinations\u0000';

export class DestinationsJsonWriter {
  private readonly bytes = new TempBytes(undefined, { cachedReads: true });
  private size = 0;
  private readonly at = new Float64Column();
  private readonly lengths = new Uint32Column();
  private readonly order = new TotalKeyOrder();

  /** One destination's entry; `setupTotalMs`: its weight in the order (total setup ms; the larger side's, compared). */
  add(p: { key: string }, setupTotalMs: number): void {
    const b = Buffer.from(itemText(p));
    this.bytes.append(b);
    const i = this.order.add(setupTotalMs, p.key);
    this.at.set(i, this.size);
    this.lengths.set(i, b.length);
    this.size += b.length;
  }

  /** Writes the whole document: `report`'s other fields, and the destinations added as its `destinations`. */
  async writeTo(doc: DocumentWriter, report: object): Promise<void> {
    const n = this.order.length;
    if (n === 0) {
      await doc.put(JSON.stringify({ ...report, destinations: [] }, null, 2) + '\n');
      await doc.flush();
      return;
    }
    const text = JSON.stringify({ ...report, destinations: [MARK] }, null, 2);
    const mark = `    ${JSON.stringify(MARK)}`;
    const cut = text.indexOf(mark);
    if (cut < 0) throw new Error('JSON document: the destinations list was not found');
    const order = this.order.order();
    await doc.put(text.slice(0, cut));
    const sep = Buffer.from(',\n');
    // One read buffer, reused: the writer copies what it is given (an item longer than its
    // piece, which it would hand on as it is, gets a buffer of its own).
    let item = Buffer.allocUnsafe(64 * 1024);
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const len = this.lengths.get(i);
      const into = len <= item.length ? item : len > 1 << 20 ? Buffer.allocUnsafe(len) : (item = Buffer.allocUnsafe(len));
      this.bytes.read(this.at.get(i), into, len);
      if (k > 0) await doc.putBytes(sep);
      await doc.putBytes(into.subarray(0, len));
    }
    await doc.put(text.slice(cut + mark.length) + '\n');
    await doc.flush();
  }

  close(): void {
    this.bytes.close();
  }
}
