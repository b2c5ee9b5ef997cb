/**
 * The HTTP server and its connection limits: what keeps crunch reachable while a client
 * floods it with sockets or sends requests slowly. src/server.ts listens on the server built
 * here, and tests build theirs here too, so both run the same code.
 *
 * Node does the timing: headers must arrive within `headersTimeoutMs` of the connection (or
 * of a keep-alive request's first byte), a whole request within `requestTimeoutMs`, and an
 * idle keep-alive socket closes after `keepAliveTimeoutMs`. Node only checks the first two
 * every `connectionsCheckingInterval` (30 s unless set), so it is set to a fraction of them.
 * Its default answer to a late request is a bare 408; here it is a problem document.
 *
 * The caps are counted here. A socket is idle from its accept until its first request's
 * headers are in, and again between keep-alive requests; it is busy while a request is in
 * flight. Idle sockets are kept in the order they became idle. When a new connection would
 * pass `maxConnections`, or an idle one `maxIdleConnections`, the socket idle the longest is
 * closed to make room: a flood of idle or slow-header sockets holds at most
 * `maxIdleConnections` descriptors, and a new client always gets in. Only when every socket
 * is busy is a new connection refused, with a 503 problem.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer, maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectionLimits } from '../config.js';
import type { InlineLane } from './inline-lane.js';
import { ProblemError, problemMediaType, problemTypes } from './problems.js';

type FetchHandler = Parameters<typeof getRequestListener>[0];

/** How long a socket answered with a 408 or 503 stays half-closed so the client can read the answer. */
const lingerMs = 1_000;
/** At most one warning per interval while connections are being shed. */
const warnEveryMs = 10_000;

export type ShedReason = 'idle-cap' | 'connection-cap' | 'refused';

export interface ConnectionCounts {
  readonly open: number;
  readonly idle: number;
  /** Connections closed or refused to keep within the caps, since start. */
  readonly shed: Readonly<Record<ShedReason, number>>;
}

/** Node's own timeouts for these limits; `connectionsCheckingInterval` bounds how late they fire. */
export function httpServerOptions(limits: ConnectionLimits) {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(headersTimeout / 4))),
  };
}

/**
 * The crunch HTTP server for `fetch` (the Hono app), with its connection limits applied; not
 * yet listening. An `inline` lane sees each request first and answers what it can (src/http/inline-lane.ts).
 */
export function createHttpServer(
  fetch: FetchHandler,
  options: { limits: ConnectionLimits; registry?: Registry; logger?: Logger; inline?: InlineLane | undefined },
): { server: Server; connections: ConnectionGuard } {
  const routed = getRequestListener(fetch);
  const { inline } = options;
  const server = createServer(httpServerOptions(options.limits));
  const connections = new ConnectionGuard(server, options.limits, options.logger);
  // One listener: each more would cost every request a copy of the listener list.
  server.on('request', (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    connections.requestStarted(incoming.socket, outgoing);
    if (inline === undefined || !inline(incoming, outgoing)) void routed(incoming, outgoing);
  });
  if (options.registry !== undefined) registerConnectionMetrics(options.registry, connections);
  return { server, connections };
}

/** A complete HTTP/1.1 problem response, for sockets the request handler never sees (or no longer owns). */
function rawProblem(problem: ProblemError): string {
  const body = JSON.stringify(problem.toProblem());
  const headers = {
    'Content-Type': problemMediaType,
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...problem.headers,
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${problem.status} ${problemTypes[problem.type].title}\r\n${head}\r\n${body}`;
}

export class ConnectionGuard {
  readonly #limits: ConnectionLimits;
  readonly #logger: Logger | undefined;
  /** Every open socket and its requests in flight. */
  readonly #sockets = new Map<Socket, number>();
  /** Idle sockets, the one idle the longest first (a Set iterates in insertion order). */
  readonly #idle = new Set<Socket>();
  /** Sockets answered and half-closed, waiting out their linger; the first to go when room is needed. */
  readonly #closing = new Set<Socket>();
  readonly #shed: Record<ShedReason, number> = { 'idle-cap': 0, 'connection-cap': 0, refused: 0 };
  #lastWarnAt = Number.NEGATIVE_INFINITY;
  /**
   * One listener for every response ('close' comes once), so a request allocates no closure.
   * The response has let go of its socket by then; its request has not.
   */
  readonly #responseClosed: (this: ServerResponse) => void;

  constructor(server: Server, limits: ConnectionLimits, logger?: Logger) {
    this.#limits = limits;
    this.#logger = logger;
    const guard = this;
    this.#responseClosed = function responseClosed() {
      guard.#requestEnded(this.req.socket);
    };
    server.on('connection', (socket: Socket) => this.#admit(socket));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.#clientError(error, socket));
  }

  get counts(): ConnectionCounts {
    return { open: this.#sockets.size, idle: this.#idle.size, shed: { ...this.#shed } };
  }

  #admit(socket: Socket): void {
    this.#sockets.set(socket, 0);
    socket.once('close', () => this.#forget(socket));
    if (this.#sockets.size > this.#limits.maxConnections && !this.#makeRoom('connection-cap')) {
      this.#shed.refused += 1;
      this.#warn();
      this.#answerAndClose(
        socket,
        new ProblemError('overloaded', `All ${this.#limits.maxConnections} connections are busy with requests; retry after Retry-After seconds.`, {
          headers: { 'Retry-After': '1' },
          extensions: { maxConnections: this.#limits.maxConnections },
        }),
      );
      return;
    }
    this.#markIdle(socket);
  }

  /** A request arrived on `socket`: busy until `response` closes. The server's request listener calls this first. */
  requestStarted(socket: Socket, response: ServerResponse): void {
    const inFlight = this.#sockets.get(socket);
    if (inFlight === undefined) return;
    this.#sockets.set(socket, inFlight + 1);
    if (inFlight === 0) this.#idle.delete(socket);
    response.on('close', this.#responseClosed);
  }

  #requestEnded(socket: Socket): void {
    const inFlight = this.#sockets.get(socket);
    if (inFlight === undefined) return;
    this.#sockets.set(socket, inFlight - 1);
    if (inFlight === 1 && !socket.destroyed && !this.#closing.has(socket)) this.#markIdle(socket);
  }

  #markIdle(socket: Socket): void {
    this.#idle.delete(socket);
    this.#idle.add(socket);
    while (this.#idle.size > this.#limits.maxIdleConnections) this.#makeRoom('idle-cap');
  }

  /** Closes one socket nobody is waiting on (a lingering one, else the longest idle); false if there is none. */
  #makeRoom(reason: 'idle-cap' | 'connection-cap'): boolean {
    const victim: Socket | undefined = this.#closing.values().next().value ?? this.#idle.values().next().value;
    if (victim === undefined) return false;
    if (!this.#closing.has(victim)) {
      this.#shed[reason] += 1;
      this.#warn();
    }
    this.#forget(victim);
    victim.destroy();
    return true;
  }

  #forget(socket: Socket): void {
    this.#sockets.delete(socket);
    this.#idle.delete(socket);
    this.#closing.delete(socket);
  }

  /**
   * Node's parser gave up on the socket: a timeout, malformed HTTP or oversized headers. With a
   * listener here Node neither answers nor closes; this does both, as a problem document
   * where the response has not started yet.
   */
  #clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!socket.writable || response?.headersSent === true || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    this.#answerAndClose(socket, this.#problemFor(error, socket));
  }

  #problemFor(error: NodeJS.ErrnoException, socket: Socket): ProblemError {
    switch (error.code) {
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        // Requests in flight on the socket mean its headers arrived and its body is what is late.
        return (this.#sockets.get(socket) ?? 0) > 0
          ? new ProblemError(
              'request-timeout',
              `The request body did not arrive within ${this.#limits.requestTimeoutMs} ms of the request's start. ` +
                'Send the whole request without pausing, or less per request over a slow link.',
              { extensions: { timeoutMs: this.#limits.requestTimeoutMs } },
            )
          : new ProblemError(
              'request-timeout',
              `The request headers did not arrive within ${this.#limits.headersTimeoutMs} ms. Send them at once, right after connecting.`,
              { extensions: { timeoutMs: this.#limits.headersTimeoutMs } },
            );
      case 'HPE_HEADER_OVERFLOW':
        return new ProblemError(
          'headers-too-large',
          `The request headers are larger than the ${maxHeaderSize} bytes the server accepts. Send fewer or shorter headers.`,
          { extensions: { maxBytes: maxHeaderSize } },
        );
      default:
        return new ProblemError('bad-request', `The request is not valid HTTP/1.1 (${error.code ?? error.message}). Check the request line, headers and body framing.`);
    }
  }

  /**
   * Sends `problem` and half-closes. The socket stops reading and is destroyed after a short
   * linger: closing at once, with request bytes still arriving, would reset the connection and
   * could discard the answer before the client reads it.
   */
  #answerAndClose(socket: Socket, problem: ProblemError): void {
    this.#idle.delete(socket);
    if (this.#sockets.has(socket)) this.#closing.add(socket);
    socket.pause();
    socket.end(rawProblem(problem));
    setTimeout(() => socket.destroy(), lingerMs).unref();
  }

  #warn(): void {
    const now = performance.now();
    if (now - this.#lastWarnAt < warnEveryMs) return;
    this.#lastWarnAt = now;
    this.#logger?.warn({ ...this.counts, limits: this.#limits }, 'shedding connections to stay within the connection caps');
  }
}

function registerConnectionMetrics(registry: Registry, connections: ConnectionGuard): void {
  new Gauge({
    name: 'crunch_http_connections_open',
    help: 'Open client connections (MAX_CONNECTIONS caps them).',
    registers: [registry],
    collect() {
      this.set(connections.counts.open);
    },
  });
  new Gauge({
    name: 'crunch_http_connections_idle',
    help: 'Open connections without a request in flight (MAX_IDLE_CONNECTIONS caps them).',
    registers: [registry],
    collect() {
      this.set(connections.counts.idle);
    },
  });
  new Counter({
    name: 'crunch_http_connections_shed_total',
    help: 'Connections closed (the longest idle, at the idle or open cap) or refused (all busy) to stay within the caps.',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(connections.counts.shed)) this.inc({ reason }, count);
    },
  });
}
