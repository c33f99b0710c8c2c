/**
 * Intrusive doubly-linked lists of connections in order of last activity
 * (front: idle the longest). O(1) append, move-to-back and removal, and the
 * front is found in O(1) (a JS Map used as a queue is not: V8 leaves deleted
 * entries at its front and next() walks over them until the next rehash).
 *
 * A connection is in at most one `ActivityList` (open-active or open-released)
 * and at most one `ClosedList`; the two use separate links.
 */
import type { TcpConnection } from './connection.js';

export class ActivityList {
  head: TcpConnection | undefined;
  tail: TcpConnection | undefined;
  size = 0;

  has(c: TcpConnection): boolean {
    return c.list === this;
  }

  push(c: TcpConnection): void {
    c.list = this;
    c.listPrev = this.tail;
    c.listNext = undefined;
    if (this.tail) this.tail.listNext = c;
    else this.head = c;
    this.tail = c;
    this.size++;
  }

  remove(c: TcpConnection): void {
    if (c.list !== this) return;
    const p = c.listPrev;
    const n = c.listNext;
    if (p) p.listNext = n;
    else this.head = n;
    if (n) n.listPrev = p;
    else this.tail = p;
    c.listPrev = c.listNext = undefined;
    c.list = undefined;
    this.size--;
  }

  clear(): void {
    for (let c = this.head; c; ) {
      const n = c.listNext;
      c.listPrev = c.listNext = undefined;
      c.list = undefined;
      c = n;
    }
    this.head = this.tail = undefined;
    this.size = 0;
  }
}

export class ClosedList {
  head: TcpConnection | undefined;
  tail: TcpConnection | undefined;
  size = 0;

  has(c: TcpConnection): boolean {
    return c.closedList === this;
  }

  push(c: TcpConnection): void {
    c.closedList = this;
    c.closedPrev = this.tail;
    c.closedNext = undefined;
    if (this.tail) this.tail.closedNext = c;
    else this.head = c;
    this.tail = c;
    this.size++;
  }

  remove(c: TcpConnection): void {
    if (c.closedList !== this) return;
    const p = c.closedPrev;
    const n = c.closedNext;
    if (p) p.closedNext = n;
    else this.head = n;
    if (n) n.closedPrev = p;
    else this.tail = p;
    c.closedPrev = c.closedNext = undefined;
    c.closedList = undefined;
    this.size--;
  }

  clear(): void {
    for (let c = this.head; c; ) {
      const n = c.closedNext;
      c.closedPrev = c.closedNext = undefined;
      c.closedList = undefined;
      c = n;
    }
    this.head = this.tail = undefined;
    this.size = 0;
  }
}
