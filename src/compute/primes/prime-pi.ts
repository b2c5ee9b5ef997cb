/**
 * The prime-counting function pi(x), exact for 0 <= x <= PRIME_PI_MAX (2^53), by the
 * Lagarias–Miller–Odlyzko method in wasm/primecount.ts (see its header for the formula).
 *
 * Sharding: the special leaves and P2 are counted by a sieve of [0, z], z = x / y, and
 * `planPrimePi` cuts that interval into contiguous ranges, one per shard. A shard cannot know
 * phi(low, b - 1) at its own start, so it counts phi from its start and reports, per sieving
 * prime b, the sum of the signs of its leaves (coef) and how much phi(., b - 1) grew over its
 * range (cnt); `combinePrimePi` walks the shards in order and adds coef[b] * (the cnt[b] of
 * all shards before). P2's prime counts are fixed up the same way. The easy leaves (read
 * from the pi table) are dealt round-robin by sieving prime, and S1 is left to shard 0.
 * Leaves crowd near 0, so the bounds follow a measured curve of work against range.
 */
import { ComputeInputError } from '../errors.js';
import { loadWasm } from '../wasm.js';

/** Largest x accepted: every x / d the kernel takes is exact in doubles up to here. */
export const PRIME_PI_MAX = 2n ** 53n;

interface PrimeCountExports extends WebAssembly.Exports {
  memory: WebAssembly.Memory;
  init(x: number, y: number, c: number, segmentNumbers: number): number;
  s1(): bigint;
  easyCount(offset: number, step: number): number;
  easy(offset: number, step: number, from: number, count: number): bigint;
  hardBegin(low: number, high: number): number;
  hardStep(): number;
  coefPointer(): number;
  cntPointer(): number;
  resultPointer(): number;
}

/** A plain, serialisable description of how pi(x) is cut into shards. */
export interface PrimePiPlan {
  /** x in decimal. */
  readonly x: string;
  /** Number of shards: run indices 0 .. shards - 1. */
  readonly shards: number;
  readonly y: number;
  /** Primes pre-sieved by pattern and folded into phi(., c). */
  readonly c: number;
  /** Numbers per sieve segment (a multiple of 128). */
  readonly segment: number;
  /** Shard i sieves [bounds[i], bounds[i + 1]); bounds[shards] = z + 1. */
  readonly bounds: readonly number[];
}

/** What one shard returns: plain and serialisable (big sums as decimal strings). */
export interface PrimePiPartial {
  readonly index: number;
  /** pi(y). */
  readonly a: number;
  readonly s1: string;
  readonly easy: string;
  /** Hard special leaves with phi counted from the shard's start. */
  readonly hard: string;
  /** coef[j], cnt[j] belong to the sieving prime b = c + 1 + j. */
  readonly coef: readonly number[];
  readonly cnt: readonly number[];
  /** Sum over the P2 primes p with x / p in the range of #primes in [start, x / p]. */
  readonly p2Sum: string;
  readonly p2Count: number;
  /** #primes in the shard's range. */
  readonly primes: number;
}

export interface PrimePiTuning {
  /** y = alpha * x^(1/3). */
  readonly alpha?: number;
  readonly segment?: number;
}

const SMALL = [0n, 0n, 1n, 2n];
const DEFAULT_SEGMENT = 1 << 18;
const PATTERN_PRIMES = 6;
/** Sieving primes per call for the easy leaves. */
const EASY_CHUNK = 64;

function kernel(): PrimeCountExports {
  return loadWasm<PrimeCountExports>('primecount');
}

function checkX(x: bigint): void {
  if (x < 0n || x > PRIME_PI_MAX) {
    throw new ComputeInputError(`pi(x) needs 0 <= x <= 2^53 (${PRIME_PI_MAX}), got ${x}`);
  }
}

function isqrt(n: number): number {
  let r = Math.floor(Math.sqrt(n));
  while (r * r > n) r--;
  while ((r + 1) * (r + 1) <= n) r++;
  return r;
}

function icbrt(n: number): number {
  let r = Math.floor(Math.cbrt(n));
  while (r * r * r > n) r--;
  while ((r + 1) ** 3 <= n) r++;
  return r;
}

/** Best y / x^(1/3) measured on the development machine at x = 10^10 .. 10^16 (interpolated). */
const ALPHA_BY_DECADE = [2, 2.5, 4, 6, 10, 20, 30];

function defaultAlpha(x: number): number {
  const at = Math.min(Math.max(Math.log10(x) - 10, 0), ALPHA_BY_DECADE.length - 1);
  const i = Math.min(Math.floor(at), ALPHA_BY_DECADE.length - 2);
  const t = at - i;
  return ALPHA_BY_DECADE[i]! * (1 - t) + ALPHA_BY_DECADE[i + 1]! * t;
}

/**
 * Share of the work (all of a shard's work, easy leaves included) done by the shards below
 * t z, measured with 24 shards at x = 10^13 and 10^14 (both curves within 0.03 of these).
 * The leaves crowd near 0: a sixth of the work lies below z / 200.
 */
const WORK_CURVE: readonly (readonly [number, number])[] = [
  [0, 0], [0.0004, 0.021], [0.002, 0.044], [0.0055, 0.15], [0.0113, 0.238], [0.0198, 0.299],
  [0.0312, 0.343], [0.0459, 0.385], [0.0641, 0.426], [0.0861, 0.463], [0.1121, 0.502],
  [0.1422, 0.538], [0.1768, 0.575], [0.2159, 0.613], [0.2599, 0.646], [0.3088, 0.68],
  [0.3629, 0.714], [0.4223, 0.747], [0.4871, 0.782], [0.5576, 0.817], [0.6339, 0.854],
  [0.7162, 0.89], [0.8045, 0.927], [0.8991, 0.964], [1, 1],
];

/** The t at which the shards below t z have done `share` of the work. */
function workToRange(share: number): number {
  for (let i = 1; i < WORK_CURVE.length; i++) {
    const [t1, w1] = WORK_CURVE[i]!;
    if (w1 >= share) {
      const [t0, w0] = WORK_CURVE[i - 1]!;
      return t0 + ((t1 - t0) * (share - w0)) / (w1 - w0);
    }
  }
  return 1;
}

export function planPrimePi(x: bigint, shards: number, tuning: PrimePiTuning = {}): PrimePiPlan {
  checkX(x);
  if (!Number.isInteger(shards) || shards < 1 || shards > 4096) {
    throw new RangeError(`shards must be an integer in [1, 4096], got ${shards}`);
  }
  const segment = tuning.segment ?? DEFAULT_SEGMENT;
  if (!Number.isInteger(segment) || segment < 128 || segment % 128 !== 0 || segment > 2 ** 26) {
    throw new RangeError(`segment must be a multiple of 128 in [128, 2^26], got ${segment}`);
  }
  const n = Number(x);
  if (x < 4n) return { x: x.toString(), shards, y: 0, c: 0, segment, bounds: new Array<number>(shards + 1).fill(0) };
  const alpha = tuning.alpha ?? defaultAlpha(n);
  // y >= x^(1/3) keeps products of three primes > y above x (no P3 term); y <= sqrt x
  const y = Math.max(2, Math.min(Math.max(Math.floor(alpha * icbrt(n)), icbrt(n)), isqrt(n)));
  const end = Math.floor(n / y) + 1;
  const bounds = [0];
  for (let i = 1; i < shards; i++) {
    const cut = Math.floor((end * workToRange(i / shards)) / 128) * 128;
    bounds.push(Math.min(end, Math.max(bounds[i - 1]!, cut)));
  }
  bounds.push(end);
  return { x: x.toString(), shards, y, c: PATTERN_PRIMES, segment, bounds };
}

/** A plan crosses threads as a message: refuse one the kernel would misread. */
function checkPlan(plan: PrimePiPlan, x: number): void {
  const { bounds, segment, shards, y, c } = plan;
  if (!Number.isInteger(shards) || shards < 1 || bounds.length !== shards + 1) {
    throw new RangeError('plan.bounds must hold shards + 1 bounds');
  }
  if (x < 4) return;
  const end = Math.floor(x / y) + 1;
  const ok =
    Number.isInteger(y) &&
    y >= Math.max(2, icbrt(x)) &&
    y <= isqrt(x) &&
    c === PATTERN_PRIMES &&
    Number.isInteger(segment) &&
    segment >= 128 &&
    segment % 128 === 0 &&
    segment <= 2 ** 26 &&
    bounds[0] === 0 &&
    bounds[shards] === end &&
    bounds.every((bound, i) => Number.isInteger(bound) && (i === 0 || bound >= bounds[i - 1]!) && (i === shards || bound % 128 === 0));
  if (!ok) throw new RangeError('not a plan made by planPrimePi for this x');
}

export function runPrimePiShard(plan: PrimePiPlan, index: number): PrimePiPartial {
  const shards = plan.shards;
  if (!Number.isInteger(index) || index < 0 || index >= shards) {
    throw new RangeError(`shard index must be in [0, ${shards}), got ${index}`);
  }
  const x = BigInt(plan.x);
  checkX(x);
  checkPlan(plan, Number(x));
  if (x < 4n) {
    const zero = '0';
    return { index, a: 0, s1: zero, easy: zero, hard: zero, coef: [], cnt: [], p2Sum: zero, p2Count: 0, primes: 0 };
  }
  const k = kernel();
  const a = k.init(Number(x), plan.y, plan.c, plan.segment);
  // many short calls, not one long one: V8 runs a wasm function in baseline code until it
  // has been called enough, and a call in progress never switches to the optimised code
  const size = k.hardBegin(plan.bounds[index]!, plan.bounds[index + 1]!);
  while (k.hardStep() !== 0);
  // views after every call: the kernel may have grown its memory
  const results = new BigInt64Array(k.memory.buffer, k.resultPointer(), 4);
  const hard = results[0]!;
  const p2Sum = results[1]!;
  const p2Count = Number(results[2]!);
  const primes = Number(results[3]!);
  const first = Math.min(plan.c, a) + 1;
  const used = Math.max(0, size - first);
  const coef = Array.from(new Float64Array(k.memory.buffer, k.coefPointer() + first * 8, used));
  const cnt = Array.from(new Float64Array(k.memory.buffer, k.cntPointer() + first * 8, used));
  let easy = 0n;
  const slots = k.easyCount(index, shards);
  for (let from = 0; from < slots; from += EASY_CHUNK) easy += k.easy(index, shards, from, EASY_CHUNK);
  const s1 = index === 0 ? k.s1() : 0n;
  return {
    index,
    a,
    s1: s1.toString(),
    easy: easy.toString(),
    hard: hard.toString(),
    coef,
    cnt,
    p2Sum: p2Sum.toString(),
    p2Count,
    primes,
  };
}

export function combinePrimePi(plan: PrimePiPlan, partials: readonly PrimePiPartial[]): bigint {
  const shards = plan.shards;
  if (partials.length !== shards) throw new RangeError(`expected ${shards} partials, got ${partials.length}`);
  const x = BigInt(plan.x);
  if (x < 4n) return SMALL[Number(x)]!;
  const ordered = [...partials].sort((l, r) => l.index - r.index);
  let s1 = 0n;
  let easy = 0n;
  let hard = 0n;
  let p2 = 0n;
  let primesBefore = 0n;
  let p2Count = 0n;
  const phiBefore: number[] = [];
  ordered.forEach((part, i) => {
    if (part.index !== i) throw new RangeError(`partial ${i} is missing`);
    s1 += BigInt(part.s1);
    easy += BigInt(part.easy);
    hard += BigInt(part.hard);
    let fix = 0n;
    part.coef.forEach((coef, j) => {
      const before = phiBefore[j] ?? 0;
      if (coef !== 0 && before !== 0) fix += BigInt(coef) * BigInt(before);
    });
    hard += fix;
    part.cnt.forEach((cnt, j) => {
      phiBefore[j] = (phiBefore[j] ?? 0) + cnt;
    });
    p2 += BigInt(part.p2Sum) + BigInt(part.p2Count) * primesBefore;
    primesBefore += BigInt(part.primes);
    p2Count += BigInt(part.p2Count);
  });
  const a = BigInt(ordered[0]!.a);
  // P2 = sum over a < b <= a + n of pi(x / p_b) - (b - 1)
  const P2 = p2 - (p2Count * a + (p2Count * (p2Count - 1n)) / 2n);
  return s1 + easy + hard + a - 1n - P2;
}

/** pi(x), all shards in this thread. */
export function primePi(x: bigint): bigint {
  const plan = planPrimePi(x, 1);
  return combinePrimePi(plan, [runPrimePiShard(plan, 0)]);
}

/** Measured single-thread microseconds (warm) at x = 10^6, 10^7, ..., 10^16 on the development machine. */
const MICROS_BY_DECADE = [30, 80, 270, 1_000, 3_100, 15_000, 70_000, 260_000, 1_300_000, 6_000_000, 35_000_000];

/** Rough single-thread time in microseconds (log-log interpolation of MICROS_BY_DECADE). */
export function estimatePrimePiMicros(x: bigint): number {
  const n = Number(x);
  if (n < 1e6) return MICROS_BY_DECADE[0]!;
  const at = Math.min(Math.log10(n) - 6, MICROS_BY_DECADE.length - 1);
  const i = Math.min(Math.floor(at), MICROS_BY_DECADE.length - 2);
  const t = at - i;
  return MICROS_BY_DECADE[i]! ** (1 - t) * MICROS_BY_DECADE[i + 1]! ** t;
}
