/**
 * The key log parser (src/tls/keylog.ts) line by line, on hand-written text:
 * the labels and lengths of the SSLKEYLOGFILE format (RFC 9850; NSS's "Key
 * Log Format" page before it): `<label> <client random, 32 bytes as 64 hex
 * digits> <secret in hex>`, `#` comments; CLIENT_RANDOM carries TLS 1.2's
 * 48-byte master secret, the TLS 1.3 labels a secret as long as the suite's
 * hash (SHA-256 or SHA-384, RFC 8446 B.4: 32 or 48 bytes). The aliases
 * (EARLY_TRAFFIC_SECRET, the QUIC_ names) and the bounds are the module's
 * own, as its header documents them. The recorded key logs are read in
 * keylog.test.ts.
 */
import { KeyLog, MAX_LINE, MAX_PROBLEM_SAMPLES, keyLogFromSecretsBlocks, DSB_TLS_KEY_LOG, type TlsSecrets } from '../../src/tls/keylog.js';

/** A distinct client random (64 hex digits) per n. */
const rnd = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const S32 = '11'.repeat(32);
const S48 = '22'.repeat(48);
const secret = (hex: string) => Buffer.from(hex, 'hex');

function parse(...lines: string[]): KeyLog {
  return new KeyLog().add(lines.join('\n'), 't');
}

describe('labels', () => {
  const cases: [string, keyof TlsSecrets, string][] = [
    ['CLIENT_RANDOM', 'masterSecret', S48],
    ['CLIENT_EARLY_TRAFFIC_SECRET', 'clientEarlyTrafficSecret', S32],
    ['EARLY_TRAFFIC_SECRET', 'clientEarlyTrafficSecret', S48],
    ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'clientHandshakeTrafficSecret', S32],
    ['SERVER_HANDSHAKE_TRAFFIC_SECRET', 'serverHandshakeTrafficSecret', S48],
    ['CLIENT_TRAFFIC_SECRET_0', 'clientTrafficSecret0', S32],
    ['SERVER_TRAFFIC_SECRET_0', 'serverTrafficSecret0', S32],
    ['EARLY_EXPORTER_SECRET', 'earlyExporterSecret', S48],
    ['EXPORTER_SECRET', 'exporterSecret', S32],
    ['QUIC_CLIENT_EARLY_TRAFFIC_SECRET', 'clientEarlyTrafficSecret', S32],
    ['QUIC_CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'clientHandshakeTrafficSecret', S32],
    ['QUIC_SERVER_HANDSHAKE_TRAFFIC_SECRET', 'serverHandshakeTrafficSecret', S32],
    ['QUIC_CLIENT_TRAFFIC_SECRET_0', 'clientTrafficSecret0', S48],
    ['QUIC_SERVER_TRAFFIC_SECRET_0', 'serverTrafficSecret0', S48],
  ];
  test.each(cases)('%s fills %s and nothing else', (label, field, hex) => {
    const log = parse(`${label} ${rnd(7)} ${hex}`);
    expect(log.problems).toEqual([]);
    expect(log.stats).toEqual({ lines: 1, entries: 1, ignored: 0, problems: 0, dropped: 0 });
    expect(log.lookup(rnd(7))).toEqual({ clientRandom: rnd(7), [field]: secret(hex) });
  });

  test('all secrets of one connection under one client random', () => {
    const log = parse(...cases.filter(([l]) => !l.startsWith('QUIC_') && l !== 'EARLY_TRAFFIC_SECRET').map(([l, , h]) => `${l} ${rnd(9)} ${h}`));
    expect(log.size).toBe(1);
    expect(log.lookup(rnd(9))).toEqual({
      clientRandom: rnd(9),
      masterSecret: secret(S48),
      clientEarlyTrafficSecret: secret(S32),
      clientHandshakeTrafficSecret: secret(S32),
      serverHandshakeTrafficSecret: secret(S48),
      clientTrafficSecret0: secret(S32),
      serverTrafficSecret0: secret(S32),
      earlyExporterSecret: secret(S48),
      exporterSecret: secret(S32),
    });
  });

  test('labels known but unused are counted as ignored, not as problems', () => {
    const log = parse(
      `RSA ${'00'.repeat(8)} ${S48}`,
      `ECH_SECRET ${rnd(1)} ${S32}`,
      `ECH_CONFIG ${rnd(1)} ${'ab'.repeat(60)}`,
      `CLIENT_TRAFFIC_SECRET_1 ${rnd(1)} ${S32}`,
      `SERVER_TRAFFIC_SECRET_12 ${rnd(1)} ${S32}`,
      `CLIENT_TRAFFIC_SECRET_N ${rnd(1)} ${S32}`,
      `SERVER_TRAFFIC_SECRET_N ${rnd(1)} ${S32}`,
      `QUIC_SERVER_TRAFFIC_SECRET_3 ${rnd(1)} ${S32}`,
    );
    expect(log.problems).toEqual([]);
    expect(log.stats).toEqual({ lines: 8, entries: 0, ignored: 8, problems: 0, dropped: 0 });
    expect(log.size).toBe(0);
  });

  test('near misses of those labels are unknown labels (the first 40 characters quoted)', () => {
    const labels = ['XRSA', 'RSAX', 'ECH_SECRETS', 'CLIENT_TRAFFIC_SECRET_', 'CLIENT_TRAFFIC_SECRET_01', 'SERVER_TRAFFIC_SECRET_1X',
      'QUIC_RSA', 'client_random', 'CLIENT_TRAFFIC_SECRET_NN', 'L'.repeat(50)];
    const log = parse(...labels.map((l) => `${l} ${rnd(1)} ${S32}`));
    expect(log.stats).toEqual({ lines: labels.length, entries: 0, ignored: 0, problems: labels.length, dropped: 0 });
    expect(log.problems).toEqual(labels.map((l, i) => ({ line: i + 1, source: 't', reason: `unknown label "${l.slice(0, 40)}"` })));
  });
});

describe('malformed lines are problems with their line number and reason', () => {
  test('field count', () => {
    const log = parse(`CLIENT_RANDOM ${rnd(1)}`, `CLIENT_RANDOM ${rnd(1)} ${S48} extra`, 'CLIENT_RANDOM');
    expect(log.problems).toEqual([
      { line: 1, source: 't', reason: 'CLIENT_RANDOM: expected 3 fields, found 2' },
      { line: 2, source: 't', reason: 'CLIENT_RANDOM: expected 3 fields, found 4' },
      { line: 3, source: 't', reason: 'CLIENT_RANDOM: expected 3 fields, found 1' },
    ]);
    expect(log.size).toBe(0);
  });

  test('client random: exactly 64 hex digits', () => {
    const bad = [rnd(1).slice(1), rnd(1) + 'a', 'g' + rnd(1).slice(1), rnd(1).slice(1) + 'g', rnd(1).slice(0, 30) + 'x' + rnd(1).slice(31)];
    const log = parse(...bad.map((r) => `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${r} ${S32}`));
    expect(log.problems).toEqual(bad.map((_, i) => ({ line: i + 1, source: 't', reason: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET: client random is not 32 bytes of hex' })));
    expect(log.stats.entries).toBe(0);
  });

  test('secret: hex digits in pairs', () => {
    const bad = [S48.slice(1), 'z' + S48.slice(1), S48.slice(0, -1) + 'z', S48.slice(0, 40) + '-' + S48.slice(41)];
    const log = parse(...bad.map((s) => `CLIENT_RANDOM ${rnd(1)} ${s}`));
    expect(log.problems).toEqual(bad.map((_, i) => ({ line: i + 1, source: 't', reason: 'CLIENT_RANDOM: secret is not hex' })));
  });

  test('secret lengths: 48 bytes for CLIENT_RANDOM, 32 or 48 for the TLS 1.3 secrets', () => {
    const log = parse(
      `CLIENT_RANDOM ${rnd(1)} ${S32}`,
      `CLIENT_RANDOM ${rnd(1)} ${'22'.repeat(49)}`,
      `SERVER_HANDSHAKE_TRAFFIC_SECRET ${rnd(1)} ${'33'.repeat(31)}`,
      `SERVER_HANDSHAKE_TRAFFIC_SECRET ${rnd(1)} ${'33'.repeat(33)}`,
      `EXPORTER_SECRET ${rnd(1)} ${'33'.repeat(47)}`,
      `EXPORTER_SECRET ${rnd(1)} ${'33'.repeat(64)}`,
      `CLIENT_TRAFFIC_SECRET_0 ${rnd(1)} ${S32}`,
      `SERVER_TRAFFIC_SECRET_0 ${rnd(1)} ${S48}`,
    );
    expect(log.problems).toEqual([
      { line: 1, source: 't', reason: 'CLIENT_RANDOM: secret of 32 bytes (expected 48)' },
      { line: 2, source: 't', reason: 'CLIENT_RANDOM: secret of 49 bytes (expected 48)' },
      { line: 3, source: 't', reason: 'SERVER_HANDSHAKE_TRAFFIC_SECRET: secret of 31 bytes (expected 32 or 48)' },
      { line: 4, source: 't', reason: 'SERVER_HANDSHAKE_TRAFFIC_SECRET: secret of 33 bytes (expected 32 or 48)' },
      { line: 5, source: 't', reason: 'EXPORTER_SECRET: secret of 47 bytes (expected 32 or 48)' },
      { line: 6, source: 't', reason: 'EXPORTER_SECRET: secret of 64 bytes (expected 32 or 48)' },
    ]);
    expect(log.lookup(rnd(1))).toEqual({ clientRandom: rnd(1), clientTrafficSecret0: secret(S32), serverTrafficSecret0: secret(S48) });
    expect(log.stats).toEqual({ lines: 8, entries: 2, ignored: 0, problems: 6, dropped: 0 });
  });

  test('a second, different secret for the same label and random: the first kept; the same one again is no problem', () => {
    const log = parse(
      `CLIENT_RANDOM ${rnd(3)} ${S48}`,
      `CLIENT_RANDOM ${rnd(3)} ${'44'.repeat(48)}`,
      `CLIENT_RANDOM ${rnd(3).toUpperCase()} ${S48.toUpperCase()}`,
    );
    expect(log.problems).toEqual([
      { line: 2, source: 't', reason: 'CLIENT_RANDOM: a different secret for a client random already seen (the first is kept)' },
    ]);
    expect(log.stats).toEqual({ lines: 3, entries: 2, ignored: 0, problems: 1, dropped: 0 });
    expect(log.lookup(rnd(3))).toEqual({ clientRandom: rnd(3), masterSecret: secret(S48) });
  });
});

describe('text around the entries', () => {
  test('comments, blank lines, surrounding white space (a stray CR too) and CRLF line ends', () => {
    const log = parse(
      '# SSL/TLS secrets log file, generated by OpenSSL',
      '   # indented comment',
      '',
      '   ',
      `  CLIENT_RANDOM ${rnd(4)} ${S48}  `,
      `SERVER_TRAFFIC_SECRET_0 ${rnd(4)} ${S32}\r`,
      '#',
      `\rCLIENT_HANDSHAKE_TRAFFIC_SECRET ${rnd(4)} ${S32}`,
    );
    expect(log.problems).toEqual([]);
    expect(log.stats).toEqual({ lines: 8, entries: 3, ignored: 0, problems: 0, dropped: 0 });
    expect(log.lookup(rnd(4))).toEqual({
      clientRandom: rnd(4), masterSecret: secret(S48), serverTrafficSecret0: secret(S32), clientHandshakeTrafficSecret: secret(S32),
    });
  });

  test('a comment sign after the start of a line does not make a comment', () => {
    const log = parse(`CLIENT_RANDOM ${rnd(4)} ${S48} #`);
    expect(log.problems).toEqual([{ line: 1, source: 't', reason: 'CLIENT_RANDOM: expected 3 fields, found 4' }]);
  });

  test('client randoms are stored in lower case and found by either case or by their bytes', () => {
    const upper = 'AB'.repeat(16) + 'cd'.repeat(16);
    const log = parse(`CLIENT_RANDOM ${upper} ${S48}`);
    const want = { clientRandom: upper.toLowerCase(), masterSecret: secret(S48) };
    expect(log.lookup(upper)).toEqual(want);
    expect(log.lookup(upper.toLowerCase())).toEqual(want);
    expect(log.lookup(Buffer.from(upper, 'hex'))).toEqual(want);
    expect(log.lookup(rnd(5))).toBeUndefined();
  });

  test('line numbers restart with each source; problems keep their source; the default source is "key log"', () => {
    const log = new KeyLog();
    log.add('x\n\ny', 'first');
    log.add('z');
    const st = log.stream();
    st.push('\n\nw');
    st.end();
    expect(log.problems).toEqual([
      { line: 1, source: 'first', reason: 'unknown label "x"' },
      { line: 3, source: 'first', reason: 'unknown label "y"' },
      { line: 1, source: 'key log', reason: 'unknown label "z"' },
      { line: 3, source: 'key log', reason: 'unknown label "w"' },
    ]);
    expect(log.stats.lines).toBe(7);
  });

  test('a text ending with its newline has no extra line; one without still has its last line read', () => {
    expect(parse(`CLIENT_RANDOM ${rnd(1)} ${S48}`, '').stats).toEqual({ lines: 1, entries: 1, ignored: 0, problems: 0, dropped: 0 });
    expect(new KeyLog().add('').stats.lines).toBe(0);
    expect(new KeyLog().add('\n').stats.lines).toBe(1);
  });

  test('a Buffer is read as latin1 text', () => {
    const log = new KeyLog().add(Buffer.from(`CLIENT_RANDOM ${rnd(6)} ${S48}\n\u00e9`, 'latin1'), 'buf');
    expect(log.lookup(rnd(6))?.masterSecret).toEqual(secret(S48));
    expect(log.problems).toEqual([{ line: 2, source: 'buf', reason: 'unknown label "\u00e9"' }]);
  });

  test(`problems past the first ${MAX_PROBLEM_SAMPLES} are counted, not kept`, () => {
    const log = parse(...Array.from({ length: MAX_PROBLEM_SAMPLES + 1 }, (_, i) => `bad${i}`));
    expect(log.stats.problems).toBe(MAX_PROBLEM_SAMPLES + 1);
    expect(log.problems.map((p) => p.line)).toEqual(Array.from({ length: MAX_PROBLEM_SAMPLES }, (_, i) => i + 1));
  });
});

describe(`lines up to ${MAX_LINE} characters`, () => {
  const comment = (n: number) => '#' + 'c'.repeat(n - 1);
  const entry = `CLIENT_RANDOM ${rnd(8)} ${S48}`;
  const skipped = (line: number) => ({ line, source: 't', reason: `line longer than ${MAX_LINE} characters skipped` });

  test('a line of exactly MAX_LINE characters is read, one more is skipped as one problem', () => {
    const log = parse(comment(MAX_LINE), comment(MAX_LINE + 1), entry);
    expect(log.problems).toEqual([skipped(2)]);
    expect(log.stats).toEqual({ lines: 3, entries: 1, ignored: 0, problems: 1, dropped: 0 });
    expect(log.lookup(rnd(8))?.masterSecret).toEqual(secret(S48));
  });

  test('in pieces: the same limit whether the line ends in the piece that passes it or a later one', () => {
    for (const cut of [1, 100, MAX_LINE - 1, MAX_LINE, MAX_LINE + 1]) {
      for (const len of [MAX_LINE, MAX_LINE + 1, MAX_LINE + 500]) {
        const text = `${comment(len)}\n${entry}\n`;
        const log = new KeyLog();
        const st = log.stream('t');
        st.push(text.slice(0, cut));
        st.push(text.slice(cut, cut + 2000));
        st.push(text.slice(cut + 2000));
        st.end();
        expect({ cut, len, problems: log.problems, stats: log.stats }).toEqual({
          cut, len,
          problems: len > MAX_LINE ? [skipped(1)] : [],
          stats: { lines: 2, entries: 1, ignored: 0, problems: len > MAX_LINE ? 1 : 0, dropped: 0 },
        });
      }
    }
  });

  test('a too-long last line without a newline is still one problem at the end', () => {
    const log = new KeyLog();
    const st = log.stream('t');
    st.push(`${entry}\n`);
    st.push(comment(MAX_LINE));
    st.push('cc');
    st.end();
    expect(log.problems).toEqual([skipped(2)]);
    expect(log.stats).toEqual({ lines: 2, entries: 1, ignored: 0, problems: 1, dropped: 0 });
  });

  test('a long line arriving in pieces is never held whole: at most MAX_LINE characters wait for their newline', () => {
    const log = new KeyLog();
    const st = log.stream('t');
    // What the splitter holds between pieces (private: the bound is the point of MAX_LINE).
    const held = () => (st as unknown as { carry: string }).carry.length;
    const sizes: number[] = [];
    st.push('#');
    for (let i = 0; i < 40; i++) {
      st.push('c'.repeat(1000));
      sizes.push(held());
    }
    st.push(`\n${entry}\n`);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_LINE);
    expect(held()).toBe(0);
    expect(log.problems).toEqual([skipped(1)]);
    expect(log.stats).toEqual({ lines: 2, entries: 1, ignored: 0, problems: 1, dropped: 0 });
  });

  test('pieces that stay within the limit join into one line', () => {
    const log = new KeyLog();
    const st = log.stream('t');
    for (let i = 0; i < entry.length; i += 5) st.push(Buffer.from(entry.slice(i, i + 5), 'latin1'));
    st.end();
    expect(log.stats).toEqual({ lines: 1, entries: 1, ignored: 0, problems: 0, dropped: 0 });
    expect(log.lookup(rnd(8))?.masterSecret).toEqual(secret(S48));
  });
});

describe('pcapng Decryption Secrets Blocks', () => {
  test('only blocks of type TLS key log are read, each a source of its own, into the given key log', () => {
    const into = new KeyLog().add(`CLIENT_RANDOM ${rnd(1)} ${S48}`);
    const r = keyLogFromSecretsBlocks(
      [
        { type: DSB_TLS_KEY_LOG, data: Buffer.from(`CLIENT_RANDOM ${rnd(2)} ${S48}\nbad`) },
        { type: 0x57474b4c, data: Buffer.from(`CLIENT_RANDOM ${rnd(3)} ${S48}`) }, // WireGuard key log
        { type: DSB_TLS_KEY_LOG, data: Buffer.from(`oops\nCLIENT_HANDSHAKE_TRAFFIC_SECRET ${rnd(2)} ${S32}`) },
      ],
      into,
    );
    expect(r.keyLog).toBe(into);
    expect({ tlsBlocks: r.tlsBlocks, otherBlocks: r.otherBlocks }).toEqual({ tlsBlocks: 2, otherBlocks: 1 });
    expect(into.problems).toEqual([
      { line: 2, source: 'pcapng decryption secrets block 1', reason: 'unknown label "bad"' },
      { line: 1, source: 'pcapng decryption secrets block 2', reason: 'unknown label "oops"' },
    ]);
    expect(into.size).toBe(2);
    expect(into.lookup(rnd(3))).toBeUndefined();
    expect(into.lookup(rnd(2))).toEqual({ clientRandom: rnd(2), masterSecret: secret(S48), clientHandshakeTrafficSecret: secret(S32) });
  });

  test('DSB_TLS_KEY_LOG is the block type "TLSK" (pcapng 4.7)', () => {
    expect(Buffer.from('TLSK', 'latin1').readUInt32BE(0)).toBe(DSB_TLS_KEY_LOG);
    const r = keyLogFromSecretsBlocks([]);
    expect({ size: r.keyLog.size, tlsBlocks: r.tlsBlocks, otherBlocks: r.otherBlocks }).toEqual({ size: 0, tlsBlocks: 0, otherBlocks: 0 });
  });
});
