/**
 * ActivityList and ClosedList against a plain array model of the same
 * operations (push = append at the back, remove = delete wherever it is,
 * clear = empty), written here independently of the lists: after every step
 * head, tail, size, has() and both walks (next links from the head, prev links
 * from the tail) must match the model, and an entry outside the list must have
 * no links left.
 */
import { ActivityList, ClosedList } from '../../src/tcp/lists.js';
import type { TcpConnection } from '../../src/tcp/connection.js';

interface Node {
  id: number;
  list: unknown;
  listPrev: Node | undefined;
  listNext: Node | undefined;
  closedList: unknown;
  closedPrev: Node | undefined;
  closedNext: Node | undefined;
}

const node = (id: number): Node => ({
  id,
  list: undefined,
  listPrev: undefined,
  listNext: undefined,
  closedList: undefined,
  closedPrev: undefined,
  closedNext: undefined,
});
const conn = (n: Node): TcpConnection => n as unknown as TcpConnection;

interface Adapter {
  name: string;
  make(): ActivityList | ClosedList;
  /** The links this kind of list uses. */
  links(n: Node): { list: unknown; prev: Node | undefined; next: Node | undefined };
  /** The links the other kind uses: a list must never touch them. */
  others(n: Node): { list: unknown; prev: Node | undefined; next: Node | undefined };
}

const activity = (n: Node) => ({ list: n.list, prev: n.listPrev, next: n.listNext });
const closed = (n: Node) => ({ list: n.closedList, prev: n.closedPrev, next: n.closedNext });
const ADAPTERS: Adapter[] = [
  { name: 'ActivityList', make: () => new ActivityList(), links: activity, others: closed },
  { name: 'ClosedList', make: () => new ClosedList(), links: closed, others: activity },
];

for (const ad of ADAPTERS) {
  describe(ad.name, () => {
    /** What the list shows (head, tail, size, both walks, has() and the links of every entry), as one value. */
    function seen(l: ActivityList | ClosedList, all: Node[]) {
      const fwd: number[] = [];
      for (let n = l.head as unknown as Node | undefined; n && fwd.length <= all.length; n = ad.links(n).next) fwd.push(n.id);
      const back: number[] = [];
      for (let n = l.tail as unknown as Node | undefined; n && back.length <= all.length; n = ad.links(n).prev) back.push(n.id);
      const has = all.filter((n) => l.has(conn(n))).map((n) => n.id);
      // Entries outside the list keep no links; no entry gets links of the other kind.
      const stale = all.filter((n) => !has.includes(n.id) && Object.values(ad.links(n)).some((v) => v !== undefined)).map((n) => n.id);
      const foreign = all.filter((n) => Object.values(ad.others(n)).some((v) => v !== undefined)).map((n) => n.id);
      return { head: (l.head as unknown as Node | undefined)?.id, tail: (l.tail as unknown as Node | undefined)?.id, size: l.size, fwd, back, has, stale, foreign };
    }
    /** The same from the model. */
    function want(model: Node[], all: Node[]) {
      const ids = model.map((n) => n.id);
      return {
        head: ids[0],
        tail: ids.at(-1),
        size: ids.length,
        fwd: ids,
        back: [...ids].reverse(),
        has: all.filter((n) => model.includes(n)).map((n) => n.id),
        stale: [],
        foreign: [],
      };
    }
    function check(l: ActivityList | ClosedList, model: Node[], all: Node[]): void {
      expect(seen(l, all)).toEqual(want(model, all));
    }

    test('push appends at the back; remove of the head, the tail, the middle and the only entry', () => {
      const l = ad.make();
      const ns = [1, 2, 3, 4].map(node);
      const model: Node[] = [];
      check(l, model, ns);
      for (const n of ns) {
        l.push(conn(n));
        model.push(n);
        check(l, model, ns);
      }
      const steps = [ns[2]!, ns[0]!, ns[3]!, ns[1]!]; // middle, head, tail, the last one
      for (const n of steps) {
        l.remove(conn(n));
        model.splice(model.indexOf(n), 1);
        check(l, model, ns);
      }
      expect(l.head).toBeUndefined();
      expect(l.tail).toBeUndefined();
    });

    test('removing an entry that is not in this list changes nothing (not in any, or in another list of the kind)', () => {
      const l = ad.make();
      const other = ad.make();
      const ns = [1, 2, 3].map(node);
      l.push(conn(ns[0]!));
      l.push(conn(ns[1]!));
      other.push(conn(ns[2]!));
      l.remove(conn(ns[2]!));
      expect(l.size).toBe(2);
      expect(other.size).toBe(1);
      expect(other.has(conn(ns[2]!))).toBe(true);
      expect(l.has(conn(ns[2]!))).toBe(false);
      l.remove(conn(ns[0]!));
      l.remove(conn(ns[0]!)); // twice: the second is not in the list any more
      expect(l.size).toBe(1);
      expect((l.head as unknown as Node).id).toBe(2);
      expect((l.tail as unknown as Node).id).toBe(2);
    });

    test('clear empties the list and unlinks every entry; the list is usable again', () => {
      const l = ad.make();
      const ns = [1, 2, 3, 4, 5].map(node);
      for (const n of ns) l.push(conn(n));
      l.clear();
      check(l, [], ns);
      l.push(conn(ns[4]!));
      l.push(conn(ns[0]!));
      check(l, [ns[4]!, ns[0]!], ns);
    });

    test('moving an entry to the back (remove, push) keeps the others in order', () => {
      const l = ad.make();
      const ns = [1, 2, 3].map(node);
      for (const n of ns) l.push(conn(n));
      const model = [...ns];
      for (const i of [0, 0, 1, 2, 2]) {
        const n = ns[i]!;
        l.remove(conn(n));
        l.push(conn(n));
        model.splice(model.indexOf(n), 1);
        model.push(n);
        check(l, model, ns);
      }
    });

    test('random pushes, removes and clears match the array model', () => {
      let s = 12345;
      const rnd = (n: number) => {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        return (s >>> 8) % n;
      };
      const ns = Array.from({ length: 12 }, (_, i) => node(i));
      const l = ad.make();
      const model: Node[] = [];
      for (let step = 0; step < 300; step++) {
        const n = ns[rnd(ns.length)]!;
        const op = rnd(20);
        if (op === 0) {
          l.clear();
          model.length = 0;
        } else if (op < 10) {
          if (!model.includes(n)) {
            l.push(conn(n));
            model.push(n);
          }
        } else {
          l.remove(conn(n));
          const i = model.indexOf(n);
          if (i >= 0) model.splice(i, 1);
        }
        check(l, model, ns);
      }
    });
  });
}

test('an entry can be in an ActivityList and a ClosedList at once: each list keeps its own links', () => {
  const a = new ActivityList();
  const c = new ClosedList();
  const ns = [1, 2, 3].map(node);
  for (const n of ns) a.push(conn(n));
  c.push(conn(ns[2]!));
  c.push(conn(ns[0]!));
  a.remove(conn(ns[0]!));
  expect(c.has(conn(ns[0]!))).toBe(true);
  expect((c.head as unknown as Node).id).toBe(3);
  expect((c.tail as unknown as Node).id).toBe(1);
  expect(ns[2]!.closedNext?.id).toBe(1);
  expect(ns[0]!.closedPrev?.id).toBe(3);
  expect((a.head as unknown as Node).id).toBe(2);
  expect(ns[1]!.listNext?.id).toBe(3);
  c.clear();
  expect(a.size).toBe(2);
  expect(a.has(conn(ns[2]!))).toBe(true);
  expect(ns[1]!.listNext?.id).toBe(3);
  expect(ns[2]!.listPrev?.id).toBe(2);
});
