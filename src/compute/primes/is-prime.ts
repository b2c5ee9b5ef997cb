/**
 * Primality of integers of any size.
 *
 * Below 2^64 the answer is exact: the `u64` WebAssembly kernel runs trial division, then
 * Baillie–PSW (strong base-2 test and strong Lucas test, in 32-bit arithmetic below 2^32),
 * which has no counterexample below 2^64: every base-2 strong pseudoprime there is listed
 * (Feitsma–Galway) and fails the Lucas half (see wasm/lib/u64-lucas.ts).
 * From 2^64 on, the Baillie–PSW test runs in BigInt: no composite passing it is known, but
 * none is proven impossible, so those answers are labelled 'probable'.
 */
import { loadWasm } from '../wasm.js';
import { U64_LIMIT, integerSqrt, type IntegerBatch } from './integer.js';
import { smallestPrimeFactorBelow } from './small-primes.js';

export type PrimalityTest = 'deterministic' | 'probable';

export interface PrimalityResult {
  prime: boolean;
  test: PrimalityTest;
}

export interface U64Kernel {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  checkBatch(ptr: number, count: number): void;
  isPrime(n: bigint): number;
  factor(n: bigint): number;
  factorsPtr(): number;
  rhoSplit(n: bigint): bigint;
  [name: string]: WebAssembly.ExportValue;
}

/** The u64 kernel of this thread (loaded once, synchronously). */
export function u64Kernel(): U64Kernel {
  return loadWasm<U64Kernel>('u64');
}

/** isPrime(n) for n >= 0: exact below 2^64, Baillie–PSW beyond. */
export function isPrime(n: bigint): PrimalityResult {
  if (n < 0n) throw new RangeError('isPrime expects a non-negative integer');
  if (n < U64_LIMIT) return { prime: u64Kernel().isPrime(n) === 1, test: 'deterministic' };
  return { prime: isBailliePswProbablePrime(n), test: 'probable' };
}

/** Values per call into the kernel: 64 Ki values use 576 KiB of its memory. */
const CHUNK = 1 << 16;

/**
 * Exact primality of every value (all < 2^64 by type): out[i] = 1 when values[i] is prime.
 * One kernel call per 64 Ki values; `out` may be passed to reuse a buffer.
 */
export function checkPrimesU64(values: BigUint64Array, out: Uint8Array = new Uint8Array(values.length)): Uint8Array {
  if (out.length < values.length) throw new RangeError('output buffer shorter than input');
  const kernel = u64Kernel();
  const chunk = Math.min(CHUNK, values.length);
  if (chunk === 0) return out;
  const ptr = kernel.reserve(chunk * 9);
  if (ptr === 0) throw new RangeError('u64 kernel could not grow its memory');
  for (let start = 0; start < values.length; start += chunk) {
    const count = Math.min(chunk, values.length - start);
    // Views are made after reserve(): growing memory detaches earlier ArrayBuffers.
    const buffer = kernel.memory.buffer;
    new BigUint64Array(buffer, ptr, count).set(values.subarray(start, start + count));
    kernel.checkBatch(ptr, count);
    out.set(new Uint8Array(buffer, ptr + count * 8, count), start);
  }
  return out;
}

/** BPSW verdicts for values >= 0 of any size (values below 2^64 are exact anyway). */
export function checkPrimesBigInt(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] ?? 0n;
    out[i] = isPrime(value).prime ? 1 : 0;
  }
  return out;
}

/**
 * Checks a packed batch (see IntegerBatch): out[i] = 1 when item i is prime. Items at
 * batch.largeIndex (>= 2^64) are 'probable' verdicts, all others 'deterministic'.
 */
export function checkPrimesBatch(batch: IntegerBatch): Uint8Array {
  const out = checkPrimesU64(batch.small, new Uint8Array(batch.count));
  const large = checkPrimesBigInt(batch.largeValues);
  for (let j = 0; j < batch.largeIndex.length; j++) {
    const index = batch.largeIndex[j];
    if (index !== undefined) out[index] = large[j] ?? 0;
  }
  return out;
}

/**
 * Rough cost of one primality check of a `bits`-bit number on one core, in microseconds,
 * worst case (a prime, which runs every round), on the 2-core development machine: ~1.7 µs
 * per 64-bit prime inside a batch (bench/primes-check-kernel.ts; random 64-bit values average
 * ~0.1 µs); BPSW in BigInt ~45 µs at 128 bits, growing roughly with bits^2.3 up to a few
 * thousand bits. Good to a factor of two, meant for choosing between the event loop and the
 * pool, not for promises.
 */
export function estimateCheckMicros(bits: number): number {
  if (bits <= 64) return 2;
  return 45 * (bits / 128) ** 2.3;
}

// ---- Baillie–PSW ---------------------------------------------------------------------------

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** Strong probable-prime test to base a for odd n > 2. */
export function isStrongProbablePrime(n: bigint, a: bigint): boolean {
  const nm1 = n - 1n;
  let d = nm1;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  let x = modPow(a, d, n);
  if (x === 1n || x === nm1) return true;
  for (let r = 1; r < s; r++) {
    x = (x * x) % n;
    if (x === nm1) return true;
    if (x === 1n) return false;
  }
  return false;
}

/** Jacobi symbol (a/n) for odd n > 0. */
export function jacobi(a: bigint, n: bigint): number {
  let x = ((a % n) + n) % n;
  let m = n;
  let result = 1;
  while (x !== 0n) {
    while ((x & 1n) === 0n) {
      x >>= 1n;
      const r = m & 7n;
      if (r === 3n || r === 5n) result = -result;
    }
    [x, m] = [m, x];
    if ((x & 3n) === 3n && (m & 3n) === 3n) result = -result;
    x %= m;
  }
  return m === 1n ? result : 0;
}

/**
 * Strong Lucas probable-prime test with Selfridge's method A: D is the first of
 * 5, -7, 9, -11, ... with (D/n) = -1, P = 1, Q = (1 - D)/4. For odd n > 2 that is not a
 * perfect square (a square has no such D and the search would not end).
 *
 * With n + 1 = d*2^s, n passes when U_d = 0 or V_(d*2^r) = 0 (mod n) for some 0 <= r < s.
 * U_k, V_k are computed by the binary ladder on d: doubling uses U_2k = U_k V_k and
 * V_2k = V_k^2 - 2Q^k; the step k -> k+1 uses U_(k+1) = (P U_k + V_k)/2 and
 * V_(k+1) = (D U_k + P V_k)/2, where halving mod odd n adds n first when the value is odd.
 */
export function isStrongLucasProbablePrime(n: bigint): boolean {
  let D = 5n;
  for (;;) {
    const j = jacobi(D, n);
    if (j === -1) break;
    // (D/n) = 0: D shares a factor with n, a proper one unless |D| = n.
    if (j === 0 && (D < 0n ? -D : D) !== n) return false;
    D = D > 0n ? -(D + 2n) : -D + 2n;
  }
  const Q = (1n - D) / 4n;
  const mod = (x: bigint): bigint => {
    const r = x % n;
    return r < 0n ? r + n : r;
  };
  const half = (x: bigint): bigint => ((x & 1n) === 1n ? (x + n) >> 1n : x >> 1n);

  let d = n + 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  const dm = mod(D);
  const qm = mod(Q);
  let U = 1n;
  let V = 1n; // V_1 = P = 1
  let Qk = qm;
  const bits = d.toString(2);
  for (let i = 1; i < bits.length; i++) {
    U = (U * V) % n;
    V = mod(V * V - 2n * Qk);
    Qk = (Qk * Qk) % n;
    if (bits[i] === '1') {
      const u = half(mod(U + V));
      const v = half(mod(dm * U + V));
      U = u;
      V = v;
      Qk = (Qk * qm) % n;
    }
  }
  if (U === 0n || V === 0n) return true;
  for (let r = 1; r < s; r++) {
    V = mod(V * V - 2n * Qk);
    if (V === 0n) return true;
    Qk = (Qk * Qk) % n;
  }
  return false;
}

/**
 * Baillie–PSW for any n >= 0: trial division by primes below 1000, perfect-square check,
 * strong base-2 Miller–Rabin, strong Lucas test. Exact below 2^64 (no BPSW pseudoprime
 * exists there, Feitsma–Galway), probable beyond.
 */
export function isBailliePswProbablePrime(n: bigint): boolean {
  if (n < 2n) return false;
  const p = smallestPrimeFactorBelow(n, 1000);
  if (p !== 0) return n === BigInt(p);
  if (n < 1000000n) return true; // no prime factor below 1000 and n < 1000^2
  const root = integerSqrt(n);
  if (root * root === n) return false;
  return isStrongProbablePrime(n, 2n) && isStrongLucasProbablePrime(n);
}
