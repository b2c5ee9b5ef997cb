/**
 * Integer reductions, exact and unbounded. Two input forms:
 *
 * - `BigInt64Array` (the binary wire format, and JSON input whose values all fit int64):
 *   read through 32-bit views of the same memory, so sum, min, max, and, or, xor and most
 *   of gcd allocate no BigInt per value. A sum adds the low words (unsigned) and the high
 *   words (signed) in two doubles, exact for 2^20 values (2^20 * 2^32 < 2^53), then folds
 *   them into a BigInt once per block.
 * - `readonly bigint[]`: values of any size, reduced with plain BigInt arithmetic.
 *
 * product and lcm grow without bound, so they stop at `maxBits` and report `tooLarge`
 * instead (a zero anywhere still wins: the answer is then 0, however large the rest).
 */

export type IntValues = BigInt64Array | readonly bigint[];

export interface IntPartial {
  readonly kind: 'int';
  /** null: no values seen (min, max) */
  readonly value: bigint | null;
  /** product / lcm only: the partial exceeded the bit limit and holds no usable value */
  readonly tooLarge: boolean;
}

export type IntOp = 'sum' | 'product' | 'min' | 'max' | 'mean' | 'gcd' | 'lcm' | 'and' | 'or' | 'xor';

const SUM_BLOCK = 1 << 20;
/** Bit limit checked only every this many multiplications: the check costs a pass over the digits. */
const CHECK_EVERY = 16;

const int = (value: bigint | null, tooLarge = false): IntPartial => ({ kind: 'int', value, tooLarge });

export function bitLength(x: bigint): number {
  const a = x < 0n ? -x : x;
  if (a === 0n) return 0;
  const hex = a.toString(16);
  return 4 * (hex.length - 1) + (32 - Math.clz32(Number.parseInt(hex[0] as string, 16)));
}

function words(values: BigInt64Array): { lo: Uint32Array; hi: Int32Array } {
  return {
    lo: new Uint32Array(values.buffer, values.byteOffset, values.length * 2),
    hi: new Int32Array(values.buffer, values.byteOffset, values.length * 2),
  };
}

const fromWords = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) + BigInt(lo >>> 0);

/** |a| and |b| are integers below 2^53: Euclid on doubles is exact. */
function gcdNumber(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

export function gcdBigInt(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

const absBig = (x: bigint): bigint => (x < 0n ? -x : x);

function lcmBigInt(a: bigint, b: bigint): bigint {
  if (a === 0n || b === 0n) return 0n;
  const x = absBig(a);
  const y = absBig(b);
  return (x / gcdBigInt(x, y)) * y;
}

/** Reduces one shard of integers. */
export function reduceIntShard(op: IntOp, values: IntValues, maxBits: number): IntPartial {
  if (values instanceof BigInt64Array) return reduceInt64(op, values, maxBits);
  return reduceBigInts(op, values, maxBits);
}

function reduceInt64(op: IntOp, values: BigInt64Array, maxBits: number): IntPartial {
  const n = values.length;
  const { lo, hi } = words(values);
  switch (op) {
    case 'sum':
    case 'mean': {
      let total = 0n;
      for (let start = 0; start < n; start += SUM_BLOCK) {
        const end = Math.min(n, start + SUM_BLOCK);
        let los = 0;
        let his = 0;
        for (let i = start; i < end; i += 1) {
          los += lo[2 * i]!;
          his += hi[2 * i + 1]!;
        }
        total += (BigInt(his) << 32n) + BigInt(los);
      }
      return int(total);
    }
    case 'min':
    case 'max': {
      if (n === 0) return int(null);
      let bh = hi[1]!;
      let bl = lo[0]!;
      const wantMin = op === 'min';
      for (let i = 1; i < n; i += 1) {
        const h = hi[2 * i + 1]!;
        const l = lo[2 * i]!;
        const better = wantMin ? h < bh || (h === bh && l < bl) : h > bh || (h === bh && l > bl);
        if (better) {
          bh = h;
          bl = l;
        }
      }
      return int(fromWords(bh, bl));
    }
    case 'and':
    case 'or':
    case 'xor': {
      let al = op === 'and' ? -1 : 0;
      let ah = al;
      if (op === 'and') {
        for (let i = 0; i < n; i += 1) {
          al &= lo[2 * i]!;
          ah &= hi[2 * i + 1]!;
        }
      } else if (op === 'or') {
        for (let i = 0; i < n; i += 1) {
          al |= lo[2 * i]!;
          ah |= hi[2 * i + 1]!;
        }
      } else {
        for (let i = 0; i < n; i += 1) {
          al ^= lo[2 * i]!;
          ah ^= hi[2 * i + 1]!;
        }
      }
      return int(fromWords(ah, al));
    }
    case 'gcd': {
      // g stays a double while every value seen fits one (|v| < 2^53); `big` takes over otherwise.
      let g = 0;
      let big: bigint | null = null;
      for (let i = 0; i < n; i += 1) {
        if (big === null && g === 1) break;
        const h = hi[2 * i + 1]!;
        const fitsDouble = h >= -0x200000 && h < 0x200000;
        if (big === null && fitsDouble) {
          g = gcdNumber(Math.abs(h * 4294967296 + lo[2 * i]!), g);
          continue;
        }
        // Once a value is beyond 2^53, stay in BigInt until the gcd is back below it.
        big = gcdBigInt(big ?? BigInt(g), absBig(values[i]!));
        if (big <= 0x20000000000000n) {
          g = Number(big);
          big = null;
        }
      }
      return int(big ?? BigInt(g));
    }
    case 'product':
    case 'lcm': {
      for (let i = 0; i < n; i += 1) if (lo[2 * i] === 0 && hi[2 * i + 1] === 0) return int(0n);
      return reduceGrowing(op, values, maxBits);
    }
  }
}

function reduceBigInts(op: IntOp, values: readonly bigint[], maxBits: number): IntPartial {
  const n = values.length;
  switch (op) {
    case 'sum':
    case 'mean': {
      let total = 0n;
      for (let i = 0; i < n; i += 1) total += values[i]!;
      return int(total);
    }
    case 'min':
    case 'max': {
      if (n === 0) return int(null);
      let best = values[0]!;
      for (let i = 1; i < n; i += 1) {
        const v = values[i]!;
        if (op === 'min' ? v < best : v > best) best = v;
      }
      return int(best);
    }
    case 'and': {
      let acc = -1n;
      for (let i = 0; i < n; i += 1) acc &= values[i]!;
      return int(acc);
    }
    case 'or': {
      let acc = 0n;
      for (let i = 0; i < n; i += 1) acc |= values[i]!;
      return int(acc);
    }
    case 'xor': {
      let acc = 0n;
      for (let i = 0; i < n; i += 1) acc ^= values[i]!;
      return int(acc);
    }
    case 'gcd': {
      let g = 0n;
      for (let i = 0; i < n && g !== 1n; i += 1) g = gcdBigInt(g, values[i]!);
      return int(g);
    }
    case 'product':
    case 'lcm': {
      for (let i = 0; i < n; i += 1) if (values[i] === 0n) return int(0n);
      return reduceGrowing(op, values, maxBits);
    }
  }
}

/** product or lcm of values with no zero among them, stopping once past `maxBits`. */
function reduceGrowing(op: 'product' | 'lcm', values: IntValues, maxBits: number): IntPartial {
  let acc = 1n;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i]!;
    acc = op === 'product' ? acc * v : lcmBigInt(acc, v);
    if (i % CHECK_EVERY === CHECK_EVERY - 1 && bitLength(acc) > maxBits) return int(null, true);
  }
  return bitLength(acc) > maxBits ? int(null, true) : int(acc);
}

/** Combines partials of one op; associative and, for every integer op, exact. */
export function combineIntPartials(op: IntOp, partials: readonly IntPartial[], maxBits: number): IntPartial {
  switch (op) {
    case 'product':
    case 'lcm': {
      if (partials.some((p) => p.value === 0n)) return int(0n);
      if (partials.some((p) => p.tooLarge)) return int(null, true);
      let acc = 1n;
      for (const p of partials) {
        acc = op === 'product' ? acc * (p.value ?? 1n) : lcmBigInt(acc, p.value ?? 1n);
        if (bitLength(acc) > maxBits) return int(null, true);
      }
      return int(acc);
    }
    case 'min':
    case 'max': {
      let best: bigint | null = null;
      for (const p of partials) {
        if (p.value === null) continue;
        if (best === null || (op === 'min' ? p.value < best : p.value > best)) best = p.value;
      }
      return int(best);
    }
    default: {
      const identity = op === 'and' ? -1n : 0n;
      let acc = identity;
      for (const p of partials) {
        const v = p.value ?? identity;
        if (op === 'sum' || op === 'mean') acc += v;
        else if (op === 'and') acc &= v;
        else if (op === 'or') acc |= v;
        else if (op === 'xor') acc ^= v;
        else acc = gcdBigInt(acc, v);
      }
      return int(acc);
    }
  }
}

/** Packs parsed integers as int64 when they all fit, the fast form; otherwise keeps BigInts. */
export function packInts(values: readonly bigint[], shared = false): IntValues {
  const min = -(1n << 63n);
  const max = (1n << 63n) - 1n;
  for (const v of values) if (v < min || v > max) return values;
  const buffer = shared ? new SharedArrayBuffer(values.length * 8) : new ArrayBuffer(values.length * 8);
  const packed = new BigInt64Array(buffer);
  for (let i = 0; i < values.length; i += 1) packed[i] = values[i]!;
  return packed;
}
