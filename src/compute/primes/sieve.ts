/**
 * Count and list the primes in a range [from, to] of unsigned 64-bit integers with the
 * segmented mod-30 wheel sieve in wasm/sieve.ts. Pure and synchronous: it runs on the event
 * loop or inside a worker thread alike (one WebAssembly instance per thread).
 *
 * Sharding is the caller's business: any sub-range costs about its width (plus the sieving
 * primes up to sqrt(to)), so a wide range can be cut into pieces whose counts add up.
 * Ranges whose end is at or above 2^44 are sieved with primes up to 2^22 and the survivors
 * are confirmed by a deterministic Miller-Rabin test: exact, but much slower per number.
 */
import { loadWasm } from '../wasm.js';

interface SieveExports extends WebAssembly.Exports {
  memory: WebAssembly.Memory;
  run(a: bigint, b: bigint, limit: number, mode: number): bigint;
  outPtr(): number;
  setSegmentBytes(bytes: number): void;
  setChunkBytes(bytes: number): void;
}

const U64_MAX = (1n << 64n) - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Largest page `listPrimesSieve` fills in one call (8 bytes each in wasm memory). */
export const MAX_LIST_LIMIT = 1 << 24;
/** Default segment: 256 KiB of sieve = 7.86 million numbers, measured best on a 512 KiB L2. */
export const DEFAULT_SEGMENT_BYTES = 1 << 18;

const MODE_COUNT = 0;
const MODE_LIST_F64 = 1;
const MODE_LIST_U64 = 2;

let kernel: SieveExports | undefined;

function sieve(): SieveExports {
  if (kernel === undefined) {
    kernel = loadWasm<SieveExports>('sieve');
    kernel.setSegmentBytes(DEFAULT_SEGMENT_BYTES);
  }
  return kernel;
}

function checkRange(from: bigint, to: bigint): void {
  if (from < 0n || to > U64_MAX) {
    throw new RangeError(`sieve range must lie in [0, 2^64 - 1], got [${from}, ${to}]`);
  }
}

/** Default chunk: sieving-prime offsets are restarted every 2^30 bytes (3.2e10 numbers). */
export const DEFAULT_CHUNK_BYTES = 2 ** 30;

/**
 * Tuning and test knobs for this thread's kernel: segment size in bytes (30 numbers per byte,
 * 256 .. 2^20) and chunk size in bytes (1 .. 2^30). Omitted fields return to their defaults.
 */
export function setSieveTuning(tuning: { segmentBytes?: number; chunkBytes?: number }): void {
  const k = sieve();
  k.setSegmentBytes(tuning.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
  k.setChunkBytes(tuning.chunkBytes ?? DEFAULT_CHUNK_BYTES);
}

/** Number of primes p with from <= p <= to; 0 when from > to. */
export function countPrimesSieve(from: bigint, to: bigint): number {
  if (from > to) return 0;
  checkRange(from, to);
  return Number(sieve().run(from, to, 0, MODE_COUNT));
}

/**
 * Up to `limit` primes of [from, to] in increasing order, as doubles: the fast path for ranges
 * below 2^53, with no BigInt per prime. Throws RangeError when `to` exceeds 2^53 - 1.
 */
export function listPrimesSieveNumbers(from: bigint, to: bigint, limit: number): Float64Array {
  if (to > SAFE) throw new RangeError(`listPrimesSieveNumbers needs to <= 2^53 - 1, got ${to}`);
  const n = pageSize(limit);
  if (from > to || n === 0) return new Float64Array(0);
  checkRange(from, to);
  const k = sieve();
  const found = Number(k.run(from, to, n, MODE_LIST_F64));
  // Views are made after the call: the run may have grown memory.
  return new Float64Array(k.memory.buffer, k.outPtr(), found).slice();
}

/**
 * Up to `limit` primes of [from, to] in increasing order. `next` is where the following page
 * starts (one past the last listed prime), or undefined once the range is exhausted. A
 * `limit` above MAX_LIST_LIMIT is served as MAX_LIST_LIMIT (the caller pages on with `next`).
 */
export function listPrimesSieve(
  from: bigint,
  to: bigint,
  limit: number,
): { primes: bigint[]; next: bigint | undefined } {
  const n = pageSize(limit);
  if (from > to) return { primes: [], next: undefined };
  checkRange(from, to);
  if (n === 0) return { primes: [], next: from };
  const k = sieve();
  let primes: bigint[];
  if (to <= SAFE) {
    const found = Number(k.run(from, to, n, MODE_LIST_F64));
    const view = new Float64Array(k.memory.buffer, k.outPtr(), found);
    primes = new Array<bigint>(found);
    for (let i = 0; i < found; i++) primes[i] = BigInt(view[i]!);
  } else {
    const found = Number(k.run(from, to, n, MODE_LIST_U64));
    primes = Array.from(new BigUint64Array(k.memory.buffer, k.outPtr(), found));
  }
  const last = primes[primes.length - 1];
  const next = primes.length === n && last !== undefined && last < to ? last + 1n : undefined;
  return { primes, next };
}

function pageSize(limit: number): number {
  if (!Number.isFinite(limit) && limit > 0) return MAX_LIST_LIMIT;
  if (!(limit > 0)) return 0;
  return Math.min(Math.floor(limit), MAX_LIST_LIMIT);
}

/**
 * Rough cost in microseconds of countPrimesSieve(from, to) on one thread, for the dispatcher.
 * Fitted on the development machine (AMD EPYC, 2.45 GHz): see bench/primes-sieve.ts.
 */
export function estimateSieveMicros(from: bigint, to: bigint): number {
  if (from > to) return 1;
  const width = Number(to - from) + 1;
  const top = Number(to);
  const sqrtTop = Math.sqrt(top);
  // Work per number grows like log log sqrt(to) (sum of 1/p over the sieving primes).
  const loglog = Math.log(Math.max(Math.log(Math.max(sqrtTop, 3)), 1.1));
  const perNumber = 0.00017 * Math.max(loglog, 0.3);
  if (top < 2 ** 44) {
    const sieving = sqrtTop / Math.log(Math.max(sqrtTop, 3));
    return Math.ceil(5 + width * perNumber + sieving * 0.05);
  }
  // Miller-Rabin on survivors: about width / ln(to) primes at a few microseconds each.
  return Math.ceil(5 + width * perNumber + (width / Math.log(top)) * 3 + Math.min(width, 2 ** 22) * 0.01);
}
