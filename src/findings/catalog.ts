/**
 * One line of explanation and a next step per finding code, in words an
 * on-call engineer can act on. Severity is the code's default.
 */
import type { FindingCode, Severity } from './types.js';

export interface CatalogEntry {
  severity: Severity;
  /** What the capture shows, in one line. */
  explanation: string;
  /** What to check next. */
  nextStep: string;
}

export const FINDINGS_CATALOG: Readonly<Record<FindingCode, CatalogEntry>> = Object.freeze({
  'syn-retransmit': {
    severity: 'warn',
    explanation: 'The client sent its SYN more than once: the server dropped SYNs (listen backlog / SYN queue full) or they were lost on the way.',
    nextStep:
      'On the server compare `ss -lnt` Recv-Q with Send-Q for the port, run `nstat -az TcpExtListenOverflows TcpExtListenDrops`, check net.core.somaxconn and the backlog the application passes to listen(); if those are quiet, look for packet loss or a firewall.',
  },
  'synack-retransmit': {
    severity: 'warn',
    explanation: 'The server sent its SYN-ACK more than once: the client\'s handshake ACK was dropped, typically because the accept queue was full (tcp_abort_on_overflow=0), or it was lost.',
    nextStep:
      'Check that the application calls accept() fast enough: `ss -lnt` Recv-Q reaching Send-Q, `nstat -az TcpExtListenOverflows`; raise the listen() backlog and net.core.somaxconn, or add workers.',
  },
  'accept-overflow-reset': {
    severity: 'error',
    explanation: 'The server reset the connection right after the handshake, before sending anything: its accept queue overflowed with tcp_abort_on_overflow=1 (or the listener closed).',
    nextStep:
      'On the server: `sysctl net.ipv4.tcp_abort_on_overflow`, `nstat -az TcpExtListenOverflows`, `ss -lnt` Recv-Q vs Send-Q; raise the listen() backlog / net.core.somaxconn or make the application accept() faster.',
  },
  'connect-timeout': {
    severity: 'error',
    explanation: 'The SYNs (QUIC: the Initial packets) got no answer: the client gave up connecting (a firewall dropping SYNs or UDP, a dead host, or a full SYN backlog).',
    nextStep:
      'Check firewalls/security groups on the path (iptables/nft counters, cloud rules), that the host is up and routes back, and the server\'s `nstat -az TcpExtListenDrops`; note the client\'s connect timeout. For QUIC: is UDP to that port allowed at all (browsers fall back to TCP, often in the same capture)?',
  },
  'handshake-failed': {
    severity: 'error',
    explanation: 'The TLS handshake never completed: an alert (QUIC: a CONNECTION_CLOSE during the handshake, TLS alerts as CRYPTO_ERROR 0x1xx), a close after the ServerHello, or a client that gave up waiting.',
    nextStep:
      'Read the alert: unknown_ca / bad_certificate = the client does not trust the chain (check the CA bundle, intermediates sent); protocol_version / handshake_failure = no common version or cipher (compare both sides\' TLS settings). Reproduce with `openssl s_client -connect host:port -servername name`.',
  },
  'response-timeout': {
    severity: 'error',
    explanation: 'The client sent a request, got no answer and closed the connection itself: an application-level response timeout.',
    nextStep:
      'Find the request in the server\'s logs: was it received, how long did it run, was it stuck on a dependency? Compare the client\'s timeout with the server\'s worst-case latency.',
  },
  'slow-first-byte': {
    severity: 'warn',
    explanation: 'The response began long after the request arrived: server think time, not the network (compare with the handshake RTT).',
    nextStep:
      'Profile the server for this request: application latency, queueing in front of workers, slow upstreams or databases; check for accept/queue delays (see synack-retransmit).',
  },
  retry: {
    severity: 'info',
    explanation: 'A new connection to the same destination soon after a failed one: the client is retrying.',
    nextStep:
      'Fix the failure of the previous attempt first; make sure only idempotent requests are retried and that retries back off with jitter.',
  },
  'retry-no-backoff': {
    severity: 'warn',
    explanation: 'The client keeps retrying at once or at a fixed interval: no exponential backoff, so it hammers a failing server.',
    nextStep:
      'Configure exponential backoff with jitter and a retry budget in the client (or its library / service mesh); cap the number of attempts.',
  },
  'zero-window': {
    severity: 'warn',
    explanation: 'A receiver advertised a zero window: its application stopped reading and its receive buffer is full (Recv-Q full in `ss`).',
    nextStep:
      'On the side that advertised it, check `ss -tnp` Recv-Q for this connection and why the application does not read (blocked thread, slow consumer, back-pressure); the sender is waiting on it.',
  },
  'idle-close': {
    severity: 'info',
    explanation: 'One side closed a connection that had been idle: a keep-alive / idle timeout.',
    nextStep:
      'Compare the idle timeouts on both sides (server keepalive_timeout, load balancer idle timeout, client pool idle timeout): the client\'s pool must drop idle connections before the server does.',
  },
  'stale-reuse': {
    severity: 'error',
    explanation: 'A side sent data on a connection the peer had already closed, and the peer answered with an RST: a stale pooled connection (ECONNRESET).',
    nextStep:
      'Make the client pool\'s idle timeout shorter than the server\'s keep-alive timeout, validate idle connections before reuse, and retry idempotent requests on ECONNRESET.',
  },
  'abortive-reset': {
    severity: 'error',
    explanation: 'The connection was reset before any FIN while a request was outstanding: the peer aborted it (crash, SO_LINGER 0, proxy or firewall kill).',
    nextStep:
      'Look at the resetting side at that time: process restarts or crashes, proxy/load-balancer logs, conntrack/firewall timeouts, and the application\'s error logs for this request.',
  },
  'quic-retry': {
    severity: 'info',
    explanation: 'The QUIC server answered the first Initial with a Retry (address validation): the client had to send its ClientHello again with the token, one more round trip before the handshake.',
    nextStep:
      'Check why the server validates addresses: always on (e.g. a load balancer or server option such as --validate-addr / retry on every connection) or only under load (a Retry storm means it thinks it is under a flood); a NEW_TOKEN from an earlier connection lets clients skip it.',
  },
  'version-negotiation': {
    severity: 'info',
    explanation: 'The QUIC server does not speak the version the client tried first and answered with Version Negotiation: one more round trip before the handshake.',
    nextStep:
      'Compare the versions: the client\'s first choice (versionsTried) with what the server lists; update the client or enable that version on the server (or its load balancer), or have the client start with a version the server supports.',
  },
  'slow-handshake': {
    severity: 'warn',
    explanation: 'The QUIC handshake took long from the first Initial to its end: split into the server\'s answer time and the client\'s finish time, the larger part says who was slow.',
    nextStep:
      'If the server\'s first flight came late: server CPU (key exchange, certificate signing), queueing in front of it, or a large certificate chain held back by the amplification limit (3x what the client sent); if the client finished late: loss and PTO retransmissions on the path, or a busy client.',
  },
});
