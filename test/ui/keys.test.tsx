/**
 * Keys typed faster than the screen is redrawn (issue 16): several keys in one
 * chunk, or one after another without waiting, each act on the state the
 * previous one left — the handler is bound once and the UI state lives in a
 * ref, so no key can reach a handler of an older render.
 */
import { decodeKeys, type InkKey } from '../../src/ui/model.js';
import { KEY, renderApp, type Screen } from './harness.js';
import { analysis, fixture } from './fixtures.js';
import type { Analysis } from '../../src/report/types.js';
import { sortConnections } from '../../src/view/model.js';

const none: InkKey = {
  upArrow: false, downArrow: false, pageUp: false, pageDown: false, home: false, end: false,
  return: false, escape: false, tab: false, shift: false, backspace: false, delete: false, ctrl: false, meta: false,
};

describe('decodeKeys', () => {
  test('a run of text is one key per character, control characters included', () => {
    expect(decodeKeys('jjj', none).map((k) => k.input)).toEqual(['j', 'j', 'j']);
    expect(decodeKeys('\t\t', none).map((k) => k.tab)).toEqual([true, true]);
    expect(decodeKeys('/go\r', none).map((k) => k.input || (k.return ? 'RET' : '?'))).toEqual(['/', 'g', 'o', 'RET']);
    expect(decodeKeys('a\x7f', none)[1]!.backspace).toBe(true);
  });
  test('a key ink recognised stays one key', () => {
    expect(decodeKeys('', { ...none, downArrow: true })).toEqual([expect.objectContaining({ down: true, input: '' })]);
    expect(decodeKeys('c', { ...none, ctrl: true })).toEqual([expect.objectContaining({ ctrl: true, input: 'c' })]);
    expect(decodeKeys('', { ...none, tab: true, shift: true })).toEqual([expect.objectContaining({ tab: true, shift: true })]);
  });
});

describe('keys in one chunk on a real capture', () => {
  let a: Analysis;
  const screens: Screen[] = [];
  beforeAll(async () => {
    a = await analysis(fixture('pool-sequential-5conns-1s.pcap'));
  });
  afterEach(() => {
    while (screens.length) screens.pop()!.unmount();
  });
  const open = () => {
    const s = renderApp({ title: 'x', load: async () => a }, { columns: 120, rows: 30 });
    screens.push(s);
    return s;
  };
  /** The selected row's connection id. */
  const selectedId = (f: string) => Number(/^> +(\d+)/m.exec(f)![1]);

  test('"jjj" moves three rows down', async () => {
    const s = open();
    const f0 = await s.waitFor('sort: setup');
    const order = [...f0.matchAll(/^[> ] +(\d+) /gm)].map((m) => Number(m[1]));
    expect(order.length).toBe(5);
    await s.press('jjj');
    await s.waitFor((f) => selectedId(f) === order[3]);
  });

  test('"/google" typed as one chunk filters by "google", not "oogle"', async () => {
    const s = open();
    await s.waitFor('sort: setup');
    await s.press('/google');
    const f = await s.waitFor('filter: google_');
    expect(f).not.toContain('filter: oogle');
    expect(f).toContain('0 of 5 connections');
  });

  test('two Tabs in one chunk reach the pool view', async () => {
    const s = open();
    await s.waitFor('sort: setup');
    await s.press('\t\t');
    await s.waitFor((f) => /total: /.test(f) || /pool size|verdict/i.test(f));
  });

  test('keys written one after another without a pause: s s j then Enter opens the right connection', async () => {
    const s = open();
    await s.waitFor('sort: setup');
    await s.press('s', 's', 'j', KEY.enter);
    // s s: TLS handshake order; j: its second row.
    const want = sortConnections(a.connections, 'tls')[1]!.id;
    await s.waitFor(`connection #${want} `);
  });
});
