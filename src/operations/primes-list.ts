/**
 * Listing the primes of a range one page at a time, as dispatchable work.
 *
 * A page is at most `limit` primes, so the work is bounded however wide the range: it sieves
 * a window just past `from` sized from the prime density (about 1 in ln x numbers is prime
 * near x), and sieves further windows only if the first held too few primes. On the pool a
 * window is cut into contiguous shards sieved at once and joined in order.
 */
import { z } from 'zod';
import { estimateSieveMicros } from '../compute/primes/sieve.js';
import type { PoolRunner, Progress, Work } from '../dispatch/dispatcher.js';
import { splitRange } from '../dispatch/sharding.js';
import { sieveList } from '../pool/tasks/primes.js';
import { nonNegativeBigint } from './inputs.js';
import { encodeDecimalItems } from './json-array.js';
import { defineOperation } from './types.js';

export interface PrimePage {
  readonly from: bigint;
  readonly to: bigint;
  /**
   * The primes, in order, as the sieve's pieces (numbers below 2^53 in Float64Arrays,
   * bigints beyond): a page is assembled and written without touching each prime on the loop.
   */
  readonly parts: ReadonlyArray<Float64Array | BigUint64Array>;
  readonly count: number;
  /** Where the next page starts, or undefined when the range is exhausted. */
  readonly next: bigint | undefined;
}

/** Every prime of the page, in order (for rendering a page as objects). */
export function pagePrimes(page: PrimePage): Array<number | bigint> {
  const primes: Array<number | bigint> = [];
  for (const part of page.parts) for (const prime of part) primes.push(prime);
  return primes;
}



/** Writing out and collecting one listed prime, beyond sieving (measured: 100 000 cost ~10 ms). */
const listedPrimeMicros = 0.1;

/** Estimated sieve time per pool shard below which a window is not worth splitting. */
const minShardMicros = 2_000;

/** The window of numbers likely to hold `need` primes from `start` on, clipped to `to`. */
function windowEnd(start: bigint, to: bigint, need: number): bigint {
  const approximate = Number(start) + need * 40;
  const density = Math.log(Math.max(approximate, 16));
  const width = BigInt(Math.ceil(need * density * 1.15 + 2_000));
  return start + width - 1n > to ? to : start + width - 1n;
}

/** A page being filled window by window. */
class PageBuilder {
  readonly parts: Array<Float64Array | BigUint64Array> = [];
  count = 0;
  start: bigint;
  /** Some listed prime did not fit the page, so the range goes on past it. */
  #overflow = false;

  constructor(
    readonly from: bigint,
    readonly to: bigint,
    readonly limit: number,
  ) {
    this.start = from;
  }

  /**
   * The next window to sieve, or undefined once the page is full or the range ends. Sieve it
   * for `need + 1` primes: the one extra tells a range that goes on from one that ends.
   */
  nextWindow(): { start: bigint; end: bigint; need: number } | undefined {
    if (this.count >= this.limit || this.start > this.to) return undefined;
    const need = this.limit - this.count;
    return { start: this.start, end: windowEnd(this.start, this.to, need), need };
  }

  /** Takes the listed primes of a window's shards, in order, then moves past the window. */
  absorb(end: bigint, parts: ReadonlyArray<Float64Array | BigUint64Array>): void {
    for (const part of parts) {
      const room = this.limit - this.count;
      if (part.length > room) this.#overflow = true;
      const kept = part.length > room ? part.subarray(0, room) : part;
      if (kept.length === 0) continue;
      this.parts.push(kept);
      this.count += kept.length;
    }
    this.start = end + 1n;
  }

  page(): PrimePage {
    const lastPart = this.parts[this.parts.length - 1];
    const last = lastPart?.[lastPart.length - 1];
    const more = this.count === this.limit && (this.#overflow || this.start <= this.to);
    const next = more && last !== undefined && BigInt(last) < this.to ? BigInt(last) + 1n : undefined;
    return { from: this.from, to: this.to, parts: this.parts, count: this.count, next };
  }
}

/** The page on the calling thread, synchronously (inline route). */
function listPageInline(from: bigint, to: bigint, limit: number): PrimePage {
  const builder = new PageBuilder(from, to, limit);
  for (let window = builder.nextWindow(); window !== undefined; window = builder.nextWindow()) {
    builder.absorb(window.end, [sieveList({ from: window.start, to: window.end, limit: window.need + 1 })]);
  }
  return builder.page();
}

export function listPrimesWork(from: bigint, to: bigint, limit: number, threads: number): Work<PrimePage> {
  const firstWindow = from > to ? from : windowEnd(from, to, limit);
  return {
    operation: 'primes.list',
    costMicros: from > to ? 1 : estimateSieveMicros(from, firstWindow) + limit * listedPrimeMicros,
    describe: `listing up to ${limit} primes from ${from} to ${to}`,
    inline: () => listPageInline(from, to, limit),
    pool: (run, signal, progress: Progress) => listPageOnPool(from, to, limit, threads, run, progress),
  };
}

/** A page and its primes already encoded as JSON array items, in order (one piece per sieve part). */
export interface EncodedPrimePage {
  readonly page: PrimePage;
  readonly items: readonly Uint8Array[];
}

/**
 * The page of `listPrimesWork` with its items encoded where it ran: on the pool, each sieve
 * part is encoded by a pool task (`encodePrimes`), so the loop only joins bytes.
 */
export function listEncodedPrimesWork(from: bigint, to: bigint, limit: number, threads: number): Work<EncodedPrimePage> {
  const work = listPrimesWork(from, to, limit, threads);
  return {
    operation: work.operation,
    costMicros: work.costMicros,
    describe: `listing up to ${limit} primes from ${from} to ${to}`,
    inline: () => {
      const page = work.inline();
      return { page, items: page.parts.map((part) => encodeDecimalItems(part)) };
    },
    pool: async (run, _signal, progress) => {
      const page = await listPageOnPool(from, to, limit, threads, run, progress);
      const items = await Promise.all(page.parts.map((part) => run('encodePrimes', { primes: part })));
      return { page, items };
    },
  };
}

async function listPageOnPool(from: bigint, to: bigint, limit: number, threads: number, run: PoolRunner, progress: Progress): Promise<PrimePage> {
  {
    {
      const builder = new PageBuilder(from, to, limit);
      let windows = 0;
      for (let window = builder.nextWindow(); window !== undefined; window = builder.nextWindow()) {
        const { start, end, need } = window;
        // By cost, not width: past 2^44 each survivor costs a Miller–Rabin test.
        const shards = Math.floor(estimateSieveMicros(start, end) / minShardMicros);
        const pieces = splitRange(start, end, Math.max(1, Math.min(threads * 2, shards)));
        let done = 0;
        windows += 1;
        const parts = await Promise.all(
          pieces.map(async ([a, b]) => {
            const part = await run('sieveList', { from: a, to: b, limit: need + 1 });
            done += 1;
            progress({ phase: `sieve window ${windows}`, done, total: pieces.length });
            return part;
          }),
        );
        builder.absorb(end, parts);
      }
      return builder.page();
    }
  }
}

const cursorPrefix = 'p1.';

/** An opaque token for "the rest of [from, to]": clients must not build or parse it. */
export function encodeCursor(from: bigint, to: bigint): string {
  return cursorPrefix + Buffer.from(`${from}:${to}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { from: bigint; to: bigint } | undefined {
  if (!cursor.startsWith(cursorPrefix)) return undefined;
  const text = Buffer.from(cursor.slice(cursorPrefix.length), 'base64url').toString('utf8');
  const match = /^(0|[1-9][0-9]{0,19}):(0|[1-9][0-9]{0,19})$/.exec(text);
  if (match === null) return undefined;
  const from = BigInt(match[1] as string);
  const to = BigInt(match[2] as string);
  if (to >= 1n << 64n || from > to + 1n) return undefined;
  return { from, to };
}


function nextHref(next: bigint, to: bigint, limit: number): string {
  return `/v1/primes?cursor=${encodeCursor(next, to)}&limit=${limit}`;
}

/** Where the page after this one starts, as the `cursor` and `next` of the body (and the `Link` header). */
export function pageLinks(page: PrimePage, limit: number): { cursor: string | null; next: string | null } {
  if (page.next === undefined) return { cursor: null, next: null };
  return { cursor: encodeCursor(page.next, page.to), next: nextHref(page.next, page.to, limit) };
}

export function renderPrimePage(page: PrimePage, limit: number) {
  return {
    from: page.from.toString(),
    to: page.to.toString(),
    count: page.count,
    primes: pagePrimes(page).map(String),
    ...pageLinks(page, limit),
  };
}

/** The JSON of a page around its primes: `{"from":…,"to":…,"count":…,"primes":[` and `],"cursor":…,"next":…}`. */
export function pageFrame(page: PrimePage, limit: number): { head: string; tail: string } {
  const links = pageLinks(page, limit);
  const head = JSON.stringify({ from: page.from.toString(), to: page.to.toString(), count: page.count });
  return {
    head: `${head.slice(0, -1)},"primes":[`,
    tail: `],"cursor":${JSON.stringify(links.cursor)},"next":${JSON.stringify(links.next)}}`,
  };
}

/** A page's whole JSON from its encoded items: bytes joined, nothing per prime. */
export function encodedPageJson(encoded: EncodedPrimePage, limit: number): Uint8Array {
  const { head, tail } = pageFrame(encoded.page, limit);
  const pieces: Uint8Array[] = [Buffer.from(head)];
  const comma = Buffer.from(',');
  encoded.items.forEach((items, index) => {
    if (index > 0) pieces.push(comma);
    pieces.push(items);
  });
  pieces.push(Buffer.from(tail));
  return Buffer.concat(pieces);
}

export const primesList = defineOperation({
  name: 'primes.list',
  input: z.object({ from: nonNegativeBigint, to: nonNegativeBigint, limit: z.number().int().positive() }),
  plan: (input, context) => listPrimesWork(input.from, input.to, input.limit, context.threads),
  render: (page: PrimePage, input) => renderPrimePage(page, input.limit),
  encode: (page: PrimePage, input) => {
    const { head, tail } = pageFrame(page, input.limit);
    const primes = pagePrimes(page);
    return {
      head,
      count: page.count,
      item: (index) => `"${String(primes[index])}"`,
      tail,
      // A number in the page (16 bytes, boxed beyond 2^31) and its quoted decimal.
      itemBytes: 40,
    };
  },
});
