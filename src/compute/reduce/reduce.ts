/**
 * Reductions over arrays, cut in three so a caller can shard them over threads:
 * `reduceShard` on each piece, `combinePartials` on the pieces' partials (in input order),
 * `finishReduction` once. `reduceAll` is the same three steps on one piece.
 *
 * Inputs: float64 values are a `Float64Array`; int values a `BigInt64Array` (fast) or a
 * `bigint[]` (any size, see int-reduce.ts). Partials are plain structured-clonable data.
 *
 * float64 semantics:
 * - sum, mean: exactly rounded (exact-sum.ts). mean is the exact sum divided by the count as
 *   an exact rational, rounded once, so it is the double nearest the true mean. Any NaN, or
 *   both infinities, give NaN; one infinity gives it; a finite sum beyond the double range
 *   gives ±Infinity. An exact zero sum is +0.
 * - min, max: NaN if any value is NaN; -0 counts as less than +0.
 * - product: plain IEEE products, which depend on grouping. To make the answer independent
 *   of sharding anyway, the product is always formed the same way: the values of each block
 *   of PRODUCT_BLOCK (aligned to the array start) multiplied in order, then the block
 *   products multiplied in order. Shards must start at multiples of SHARD_ALIGN.
 * int semantics: exact. gcd >= 0 (gcd of nothing = 0), lcm >= 0 (of nothing = 1, with a
 * zero = 0), and/or/xor in two's complement (identities -1, 0, 0), mean = the exact sum
 * over the count rounded to the nearest double (a float result).
 */
import { ComputeInputError } from '../errors.js';
import {
  type ExactSumState,
  addArray,
  createExactSum,
  exactSumState,
  mergeExactSum,
  roundExactMean,
  roundExactSum,
} from './exact-sum.js';
import { type IntOp, type IntPartial, type IntValues, combineIntPartials, reduceIntShard } from './int-reduce.js';
import { roundRationalToDouble } from './round.js';

export const floatOps = ['sum', 'product', 'min', 'max', 'mean'] as const;
export const intOps = ['sum', 'product', 'min', 'max', 'mean', 'gcd', 'lcm', 'and', 'or', 'xor'] as const;
export type ReduceOp = IntOp;
export type ReduceType = 'float64' | 'int';
export type ReduceValues = Float64Array | IntValues;

export const PRODUCT_BLOCK = 4096;
/** Shard boundaries must be multiples of this (for the float product's fixed blocking). */
export const SHARD_ALIGN = PRODUCT_BLOCK;

export type ReducePartial =
  | { readonly kind: 'exact-sum'; readonly state: ExactSumState }
  | { readonly kind: 'blocks'; readonly products: Float64Array }
  | { readonly kind: 'extreme'; readonly value: number }
  | IntPartial;

export interface ReduceOptions {
  /** Largest int product / lcm result, in bits; beyond it the reduction is refused. */
  readonly maxBits: number;
}

/** A float result may be NaN or ±Infinity; an int result is exact. int mean is a float. */
export type ReduceResult = number | bigint;

const defaultOptions: ReduceOptions = { maxBits: 4096 };

export function isOpAllowed(op: string, type: ReduceType): op is ReduceOp {
  return (type === 'int' ? (intOps as readonly string[]) : (floatOps as readonly string[])).includes(op);
}

export function reduceShard(op: ReduceOp, type: ReduceType, values: ReduceValues, options = defaultOptions): ReducePartial {
  if (type === 'int') {
    if (values instanceof Float64Array) throw new TypeError('int reductions take a BigInt64Array or bigint[]');
    return reduceIntShard(op, values, options.maxBits);
  }
  if (!(values instanceof Float64Array)) throw new TypeError('float64 reductions take a Float64Array');
  switch (op) {
    case 'sum':
    case 'mean': {
      const acc = createExactSum();
      addArray(acc, values);
      return { kind: 'exact-sum', state: exactSumState(acc) };
    }
    case 'min':
      return { kind: 'extreme', value: minOf(values) };
    case 'max':
      return { kind: 'extreme', value: maxOf(values) };
    case 'product':
      return { kind: 'blocks', products: blockProducts(values) };
    default:
      throw new ComputeInputError(`${op} is defined for type int only`, '/op');
  }
}

/** NaN wins; -0 < +0. Empty: +Infinity (the count tells the caller it was empty). */
function minOf(values: Float64Array): number {
  let m = Infinity;
  let nan = false;
  for (let i = 0; i < values.length; i += 1) {
    const x = values[i]!;
    if (x < m) m = x;
    else if (x !== x) nan = true;
  }
  if (nan) return NaN;
  if (m === 0) for (let i = 0; i < values.length; i += 1) if (Object.is(values[i], -0)) return -0;
  return m;
}

function maxOf(values: Float64Array): number {
  let m = -Infinity;
  let nan = false;
  for (let i = 0; i < values.length; i += 1) {
    const x = values[i]!;
    if (x > m) m = x;
    else if (x !== x) nan = true;
  }
  if (nan) return NaN;
  if (m === 0) for (let i = 0; i < values.length; i += 1) if (Object.is(values[i], 0)) return 0;
  return m;
}

function pickExtreme(op: 'min' | 'max', a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a === b) return (op === 'min') === Object.is(a, -0) ? a : b;
  return (op === 'min') === a < b ? a : b;
}

function blockProducts(values: Float64Array): Float64Array {
  const products = new Float64Array(Math.ceil(values.length / PRODUCT_BLOCK));
  for (let block = 0; block < products.length; block += 1) {
    const end = Math.min(values.length, (block + 1) * PRODUCT_BLOCK);
    let p = 1;
    for (let i = block * PRODUCT_BLOCK; i < end; i += 1) p *= values[i]!;
    products[block] = p;
  }
  return products;
}

/** Combines partials given in input order. Exact ops do not depend on the grouping. */
export function combinePartials(
  op: ReduceOp,
  type: ReduceType,
  partials: readonly ReducePartial[],
  options = defaultOptions,
): ReducePartial {
  if (type === 'int') return combineIntPartials(op, partials.map(asInt), options.maxBits);
  switch (op) {
    case 'sum':
    case 'mean': {
      const acc = createExactSum();
      for (const p of partials) mergeExactSum(acc, expect(p, 'exact-sum').state);
      return { kind: 'exact-sum', state: exactSumState(acc) };
    }
    case 'min':
    case 'max': {
      let value = op === 'min' ? Infinity : -Infinity;
      for (const p of partials) value = pickExtreme(op, value, expect(p, 'extreme').value);
      return { kind: 'extreme', value };
    }
    case 'product': {
      const lists = partials.map((p) => expect(p, 'blocks').products);
      const products = new Float64Array(lists.reduce((n, list) => n + list.length, 0));
      let at = 0;
      for (const list of lists) {
        products.set(list, at);
        at += list.length;
      }
      return { kind: 'blocks', products };
    }
    default:
      throw new ComputeInputError(`${op} is defined for type int only`, '/op');
  }
}

function asInt(p: ReducePartial): IntPartial {
  if (p.kind !== 'int') throw new TypeError(`expected an int partial, got ${p.kind}`);
  return p;
}

function expect<K extends ReducePartial['kind']>(p: ReducePartial, kind: K): Extract<ReducePartial, { kind: K }> {
  if (p.kind !== kind) throw new TypeError(`expected a ${kind} partial, got ${p.kind}`);
  return p as Extract<ReducePartial, { kind: K }>;
}

/** The result of a reduction over `count` values; refuses what has no answer. */
export function finishReduction(
  op: ReduceOp,
  type: ReduceType,
  partial: ReducePartial,
  count: number,
  options = defaultOptions,
): ReduceResult {
  if (count === 0 && (op === 'min' || op === 'max' || op === 'mean')) {
    throw new ComputeInputError(`${op} of no values is undefined: send at least one value`, '/values');
  }
  if (type === 'int') {
    const p = asInt(partial);
    if (p.tooLarge) {
      throw new ComputeInputError(
        `the ${op} has more than ${options.maxBits} bits, above the limit for results: reduce fewer or smaller values`,
        '/values',
      );
    }
    if (op === 'mean') return roundRationalToDouble(p.value ?? 0n, BigInt(count), 0);
    return p.value ?? (op === 'product' || op === 'lcm' ? 1n : op === 'and' ? -1n : 0n);
  }
  switch (partial.kind) {
    case 'exact-sum':
      return op === 'mean' ? roundExactMean(partial.state, count) : roundExactSum(partial.state);
    case 'extreme':
      return partial.value;
    case 'blocks': {
      let p = 1;
      for (let i = 0; i < partial.products.length; i += 1) p *= partial.products[i]!;
      return p;
    }
    default:
      throw new TypeError(`expected a float64 partial, got ${partial.kind}`);
  }
}

/** The whole reduction on one thread, in one piece: the inline route and the test oracle. */
export function reduceAll(op: ReduceOp, type: ReduceType, values: ReduceValues, options = defaultOptions): ReduceResult {
  return finishReduction(op, type, reduceShard(op, type, values, options), values.length, options);
}

/**
 * Rough single-thread cost in microseconds, measured on a 2-core x86 VM (bench/reduce.ts).
 * `bigints` marks int input that did not fit int64 (BigInt arithmetic per value).
 */
export function estimateReduceMicros(op: ReduceOp, type: ReduceType, count: number, bigints = false): number {
  const nanosPerValue =
    type === 'float64'
      ? op === 'sum' || op === 'mean'
        ? 5
        : 2.5
      : op === 'product' || op === 'lcm'
        ? 300
        : op === 'gcd'
          ? 100
          : bigints
            ? 60
            : 4;
  return 5 + (count * nanosPerValue) / 1000;
}
