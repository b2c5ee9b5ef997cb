/**
 * A minimal HTTP/1.1 client over node:net for load generation: fixed request bytes out, and a
 * response parser that reads only what framing needs (status, Content-Length, chunking).
 * On a 2-core machine the load generator shares the CPU with the server it measures, and
 * node:http's client costs more per request than the server's own 503 path.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers keep the last value. */
  readonly headers: ReadonlyMap<string, string>;
  /** Empty when the parser was told not to keep bodies. */
  readonly body: Buffer;
  readonly bodyBytes: number;
}

type State =
  | { readonly kind: 'head' }
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'chunk-size' }
  | { readonly kind: 'chunk-data'; remaining: number }
  | { readonly kind: 'trailer' }
  | { readonly kind: 'until-close' };

/** Incremental parser for a stream of responses on one connection (keep-alive). */
export class ResponseParser {
  readonly #keepBody: boolean;
  #buffer: Buffer = Buffer.alloc(0);
  #state: State = { kind: 'head' };
  #status = 0;
  #headers = new Map<string, string>();
  #body: Buffer[] = [];
  #bodyBytes = 0;

  /** `keepBody: false` counts body bytes without keeping them (streams of hundreds of MB). */
  constructor(options: { keepBody?: boolean } = {}) {
    this.#keepBody = options.keepBody ?? true;
  }

  /** Feeds bytes; returns the responses they complete. */
  push(chunk: Buffer): RawResponse[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const done: RawResponse[] = [];
    for (;;) {
      const response = this.#step();
      if (response === 'more') break;
      if (response !== undefined) done.push(response);
    }
    return done;
  }

  /** The connection closed: a close-delimited body ends here. */
  end(): RawResponse | undefined {
    if (this.#state.kind !== 'until-close') return undefined;
    this.#take(this.#buffer);
    this.#buffer = Buffer.alloc(0);
    return this.#complete();
  }

  /** True while a response has started but not ended. */
  get inResponse(): boolean {
    return this.#state.kind !== 'head' || this.#buffer.length > 0;
  }

  #step(): RawResponse | undefined | 'more' {
    const state = this.#state;
    switch (state.kind) {
      case 'head': {
        const end = this.#buffer.indexOf('\r\n\r\n');
        if (end < 0) return 'more';
        const lines = this.#buffer.subarray(0, end).toString('latin1').split('\r\n');
        this.#buffer = this.#buffer.subarray(end + 4);
        this.#status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
        this.#headers = new Map();
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) this.#headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
        this.#body = [];
        this.#bodyBytes = 0;
        const length = this.#headers.get('content-length');
        if (/chunked/i.test(this.#headers.get('transfer-encoding') ?? '')) this.#state = { kind: 'chunk-size' };
        else if (length !== undefined) this.#state = { kind: 'length', remaining: Number(length) };
        else if (this.#status === 204 || this.#status === 304) this.#state = { kind: 'length', remaining: 0 };
        else this.#state = { kind: 'until-close' };
        return undefined;
      }
      case 'length': {
        const take = Math.min(state.remaining, this.#buffer.length);
        this.#take(this.#buffer.subarray(0, take));
        this.#buffer = this.#buffer.subarray(take);
        state.remaining -= take;
        return state.remaining === 0 ? this.#complete() : 'more';
      }
      case 'chunk-size': {
        const end = this.#buffer.indexOf('\r\n');
        if (end < 0) return 'more';
        const size = Number.parseInt(this.#buffer.subarray(0, end).toString('latin1'), 16);
        this.#buffer = this.#buffer.subarray(end + 2);
        this.#state = size === 0 ? { kind: 'trailer' } : { kind: 'chunk-data', remaining: size + 2 };
        return undefined;
      }
      case 'chunk-data': {
        const take = Math.min(state.remaining, this.#buffer.length);
        // The last two bytes of each chunk are its CRLF, not data.
        const dataEnd = Math.min(take, Math.max(0, state.remaining - 2));
        this.#take(this.#buffer.subarray(0, dataEnd));
        this.#buffer = this.#buffer.subarray(take);
        state.remaining -= take;
        if (state.remaining > 0) return 'more';
        this.#state = { kind: 'chunk-size' };
        return undefined;
      }
      case 'trailer': {
        const end = this.#buffer.indexOf('\r\n');
        if (end < 0) return 'more';
        this.#buffer = this.#buffer.subarray(end + 2);
        return end === 0 ? this.#complete() : undefined;
      }
      case 'until-close':
        this.#take(this.#buffer);
        this.#buffer = Buffer.alloc(0);
        return 'more';
    }
  }

  #take(bytes: Buffer): void {
    this.#bodyBytes += bytes.length;
    if (this.#keepBody) this.#body.push(bytes);
  }

  #complete(): RawResponse {
    const response = { status: this.#status, headers: this.#headers, body: Buffer.concat(this.#body), bodyBytes: this.#bodyBytes };
    this.#state = { kind: 'head' };
    this.#body = [];
    return response;
  }
}

/** The head of a request (request line, headers, blank line); `contentLength` adds its header. */
export function requestHead(method: string, path: string, headers: Record<string, string> = {}, contentLength?: number): Buffer {
  const all: Record<string, string> = { host: 'localhost', ...headers };
  if (contentLength !== undefined) all['content-length'] = String(contentLength);
  const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`);
  return Buffer.from(`${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`, 'latin1');
}

/** A whole small request in one buffer. */
export function requestBytes(method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer | string } = {}): Buffer {
  if (options.body === undefined) return requestHead(method, path, options.headers);
  const body = Buffer.from(options.body);
  return Buffer.concat([requestHead(method, path, options.headers, body.length), body]);
}

/** One keep-alive connection sending one request at a time; reconnects when the server closes it. */
export class KeepAliveConnection {
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | undefined;
  #pending: { resolve: (response: RawResponse) => void; reject: (error: Error) => void } | undefined;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  request(bytes: Buffer): Promise<RawResponse> {
    if (this.#pending !== undefined) throw new Error('one request at a time');
    const socket = this.#socket ?? this.#open();
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      socket.write(bytes);
    });
  }

  close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(new Error('closed by the client'));
  }

  #open(): Socket {
    const socket = connect({ host: this.#host, port: this.#port, noDelay: true });
    const parser = new ResponseParser();
    socket.on('data', (chunk: Buffer) => {
      for (const response of parser.push(chunk)) {
        const pending = this.#pending;
        this.#pending = undefined;
        if (/close/i.test(response.headers.get('connection') ?? '')) this.#drop(socket);
        pending?.resolve(response);
      }
    });
    // Only the current socket may settle the pending request: an old one's late 'close' must
    // not fail the request already sent on its successor.
    const closed = (error?: Error): void => {
      if (this.#socket !== socket) return;
      const last = parser.end();
      this.#drop(socket);
      const pending = this.#pending;
      this.#pending = undefined;
      if (pending === undefined) return;
      if (last !== undefined) pending.resolve(last);
      else pending.reject(error ?? new Error('connection closed before the response'));
    };
    socket.on('error', (error) => closed(error));
    socket.on('close', () => closed());
    this.#socket = socket;
    return socket;
  }

  #drop(socket: Socket): void {
    if (this.#socket === socket) this.#socket = undefined;
    socket.destroy();
  }
}

export interface HammerFigures {
  /** Latencies in ms by status code. */
  readonly byStatus: ReadonlyMap<number, number[]>;
  /** Requests that got no response (reset, refused). */
  readonly errors: number;
  readonly seconds: number;
}

/**
 * `connections` connections each sending the same request back to back for `durationMs`,
 * without pausing on a 503 (as wrk does): what a busy or hostile client fleet does.
 */
export async function hammer(options: {
  host: string;
  port: number;
  request: Buffer;
  connections: number;
  durationMs: number;
}): Promise<HammerFigures> {
  const byStatus = new Map<number, number[]>();
  let errors = 0;
  let over = false;
  const open = new Set<KeepAliveConnection>();
  // Responses still awaited at the deadline are not counted: the rate is per second of the window.
  const timer = setTimeout(() => {
    over = true;
    for (const connection of open) connection.close();
  }, options.durationMs);
  const loop = async (): Promise<void> => {
    const connection = new KeepAliveConnection(options.host, options.port);
    open.add(connection);
    while (!over) {
      const sentAt = performance.now();
      try {
        const response = await connection.request(options.request);
        if (over) break;
        const latencies = byStatus.get(response.status) ?? [];
        latencies.push(performance.now() - sentAt);
        byStatus.set(response.status, latencies);
      } catch {
        if (over) break;
        errors += 1;
        // A refused connection would otherwise spin.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    connection.close();
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  clearTimeout(timer);
  return { byStatus, errors, seconds: options.durationMs / 1000 };
}

/**
 * Sends `bytes` (a head and a large body may come apart, to save a copy) on a new connection and reads one response (or until the server closes).
 * Resolves with what happened, never rejects: a reset or a timeout is a result here.
 */
export function exchange(
  host: string,
  port: number,
  bytes: Buffer | readonly Buffer[],
  timeoutMs = 60_000,
): Promise<{ response?: RawResponse; error?: string; ms: number }> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const parser = new ResponseParser();
    const socket = connect({ host, port, noDelay: true });
    let settled = false;
    const settle = (outcome: { response?: RawResponse; error?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...outcome, ms: performance.now() - startedAt });
    };
    const timer = setTimeout(() => settle({ error: 'timeout' }), timeoutMs);
    socket.on('connect', () => {
      for (const part of Buffer.isBuffer(bytes) ? [bytes] : bytes) socket.write(part);
    });
    socket.on('data', (chunk: Buffer) => {
      const [response] = parser.push(chunk);
      if (response !== undefined) settle({ response });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => settle({ error: error.code ?? error.message }));
    socket.on('close', () => {
      const response = parser.end();
      settle(response === undefined ? { error: 'closed' } : { response });
    });
  });
}
