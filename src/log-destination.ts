/**
 * Where the log goes: stdout, asynchronously, in writes of about 16 kB or every 100 ms,
 * whichever comes first. A write per line would be a system call per request.
 *
 * Lines are copied here, as UTF-8, into a buffer of 16 KiB, and the filled part is handed to
 * SonicBoom (pino's asynchronous destination) as one write. SonicBoom can gather lines itself,
 * but it appends each one to the string it is building and then measures that string's UTF-8
 * length: the string is a rope, so every measure flattened it again, and a line cost
 * O(bytes gathered) (2.7 µs of the cheapest request's 37 µs, issue 14). Joining an array of
 * lines instead still cost about 1 µs a line in the profile, and the joined string was
 * converted to bytes again for the write; a copy into the buffer is the one conversion.
 *
 * What is gathered is handed over at exit too (the hook pino uses for its own destination),
 * and written synchronously; `flush` hands it over before it waits for SonicBoom. A batch
 * already in SonicBoom's asynchronous write when the process dies (a crash, not a shutdown,
 * which flushes) can be lost, as with SonicBoom alone. `maxBufferedBytes` bounds what
 * SonicBoom holds for a stdout that does not keep up: beyond it, batches are dropped.
 */
import { type Logger, pino } from 'pino';
import onExit from 'on-exit-leak-free';

type SonicBoom = ReturnType<typeof pino.destination>;

/** The logger of a crunch process (the API, a distributed worker): its lines to stdout through a LogDestination. */
export function processLogger(config: { readonly logLevel: string; readonly logBufferMaxBytes: number }, service: string): Logger {
  return pino({ level: config.logLevel, base: { service } }, new LogDestination({ fd: 1, maxBufferedBytes: config.logBufferMaxBytes }));
}

const chunkBytes = 16 * 1024;
/** Handed over once this full: a line of the usual 250 bytes would rarely fit the rest. */
const batchBytes = 15_000;
const batchDelayMs = 100;

export class LogDestination {
  readonly #sonic: SonicBoom;
  #chunk = Buffer.allocUnsafeSlow(chunkBytes);
  #used = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #handOverLater = (): void => {
    this.#timer = undefined;
    this.#handOver();
  };

  constructor(options: { fd: number; maxBufferedBytes: number }) {
    // minLength 1: SonicBoom writes each batch as it comes, and its flush still waits for the write in flight.
    this.#sonic = pino.destination({ dest: options.fd, sync: false, minLength: 1, maxLength: options.maxBufferedBytes, contentMode: 'buffer' });
    onExit.register(this, (destination: LogDestination) => destination.flushSync());
  }

  write(line: string): boolean {
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    const mostBytes = line.length * 3;
    if (mostBytes > chunkBytes - this.#used) {
      this.#handOver();
      if (mostBytes > chunkBytes) {
        this.#sonic.write(Buffer.from(line, 'utf8') as unknown as string);
        return true;
      }
    }
    this.#used += this.#chunk.write(line, this.#used, 'utf8');
    if (this.#used >= batchBytes) this.#handOver();
    else if (this.#timer === undefined) this.#timer = setTimeout(this.#handOverLater, batchDelayMs).unref();
    return true;
  }

  flush(callback: (error?: Error) => void = () => {}): void {
    this.#handOver();
    this.#sonic.flush(callback);
  }

  flushSync(): void {
    this.#handOver();
    this.#sonic.flushSync();
  }

  end(): void {
    this.#handOver();
    onExit.unregister(this);
    this.#sonic.end();
  }

  #handOver(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#used === 0) return;
    // SonicBoom keeps the bytes until written: the next lines go to a new buffer.
    const batch = this.#chunk.subarray(0, this.#used);
    this.#chunk = Buffer.allocUnsafeSlow(chunkBytes);
    this.#used = 0;
    // In `contentMode: 'buffer'` SonicBoom takes bytes; its type says strings only.
    this.#sonic.write(batch as unknown as string);
  }
}
