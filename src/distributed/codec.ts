/**
 * Operation inputs, task inputs and task outputs as JSON, for queues and stores that keep
 * JSON (BullMQ job data, return values). Plain data passes as is; what JSON lacks gets a
 * tagged object:
 *
 *   bigint                  {"$bigint": "18446744073709551557"}
 *   small typed array       {"$bytes": "<base64>", "$type": "Float64Array"}
 *   large typed array       {"$blob": "<key>", "$type": "Float64Array", "offset": 0, "length": 80000000, "shared": true}
 *   object with a $ key     {"$object": {...}}
 *
 * Bulk bytes travel by reference: a large typed array is stored once as a blob (in Redis,
 * with a TTL) and the JSON names it. A view of a buffer that itself came from a blob is
 * encoded as a range of that blob, so the shards of an upload cut by a parent job reach
 * their child jobs as references to the one stored upload, never as copies in every child's
 * data; each child reads only its range.
 */

export interface BlobStore {
  /** Stores bytes and returns their key. */
  put(bytes: Uint8Array): Promise<string>;
  /** `length` bytes of the blob from `offset`. */
  get(key: string, offset: number, length: number): Promise<Uint8Array>;
}

/** Typed arrays at least this large go to a blob; smaller ones inline as base64. */
const blobFrom = 64 * 1024;

type TypedArray =
  | Uint8Array
  | Uint32Array
  | Int32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array
  | Uint16Array
  | Int16Array
  | Int8Array
  | Float32Array;

const typedArrays = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof typedArrays;

function typedArrayName(value: ArrayBufferView): TypedArrayName | undefined {
  for (const name of Object.keys(typedArrays) as TypedArrayName[]) {
    if (value instanceof typedArrays[name]) return name;
  }
  return undefined;
}

/** Which blob (and where in it) a decoded buffer came from. */
const origins = new WeakMap<ArrayBufferLike, { key: string; offset: number }>();

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class DataCodec {
  constructor(private readonly blobs: BlobStore) {}

  async encode(value: unknown): Promise<Json> {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
    if (typeof value === 'number') {
      // JSON has no NaN, infinities or -0; the tag keeps them exact.
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: Object.is(value, -0) ? '-0' : String(value) };
    }
    if (typeof value === 'bigint') return { $bigint: value.toString() };
    if (value === undefined) return { $undefined: true };
    if (ArrayBuffer.isView(value)) return this.#encodeBytes(value);
    if (Array.isArray(value)) {
      const out: Json[] = [];
      for (const item of value) out.push(await this.encode(item));
      return out;
    }
    if (typeof value === 'object') {
      const out: Record<string, Json> = {};
      let tagged = false;
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        if (key.startsWith('$')) tagged = true;
        Object.defineProperty(out, key, { value: await this.encode(item), enumerable: true, writable: true, configurable: true });
      }
      return tagged ? { $object: out } : out;
    }
    throw new TypeError(`cannot encode a ${typeof value} as job data`);
  }

  async decode(json: Json): Promise<unknown> {
    if (json === null || typeof json !== 'object') return json;
    if (Array.isArray(json)) {
      const out: unknown[] = [];
      for (const item of json) out.push(await this.decode(item));
      return out;
    }
    if ('$bigint' in json) return BigInt(json['$bigint'] as string);
    if ('$number' in json) return Number(json['$number']);
    if ('$undefined' in json) return undefined;
    if ('$bytes' in json) return this.#typed(json['$type'] as TypedArrayName, Buffer.from(json['$bytes'] as string, 'base64'), false);
    if ('$blob' in json) {
      const key = json['$blob'] as string;
      const offset = json['offset'] as number;
      const bytes = await this.blobs.get(key, offset, json['length'] as number);
      const typed = this.#typed(json['$type'] as TypedArrayName, bytes, json['shared'] === true);
      origins.set(typed.buffer, { key, offset: offset - typed.byteOffset });
      return typed;
    }
    const source = '$object' in json ? (json['$object'] as Record<string, Json>) : json;
    const out: Record<string, unknown> = {};
    // Defined, not assigned: a key named __proto__ is data here, never a prototype.
    for (const [key, item] of Object.entries(source)) {
      Object.defineProperty(out, key, { value: await this.decode(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  async #encodeBytes(view: ArrayBufferView): Promise<Json> {
    const type = typedArrayName(view);
    if (type === undefined) throw new TypeError(`cannot encode a ${view.constructor.name} as job data`);
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const shared = view.buffer instanceof SharedArrayBuffer;
    const origin = origins.get(view.buffer);
    if (origin !== undefined) {
      return { $blob: origin.key, $type: type, offset: origin.offset + view.byteOffset, length: view.byteLength, shared };
    }
    if (view.byteLength < blobFrom) return { $bytes: Buffer.from(bytes).toString('base64'), $type: type };
    const key = await this.blobs.put(bytes);
    // Other views of this buffer can be ranges of the blob only if the blob holds all of it.
    if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) origins.set(view.buffer, { key, offset: 0 });
    return { $blob: key, $type: type, offset: 0, length: view.byteLength, shared };
  }

  /** A typed array over a fresh, aligned copy of `bytes` (in shared memory when the original was). */
  #typed(type: TypedArrayName, bytes: Uint8Array, shared: boolean): TypedArray {
    const Constructor = typedArrays[type];
    const buffer = shared ? new SharedArrayBuffer(bytes.byteLength) : new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buffer).set(bytes);
    return new Constructor(buffer as ArrayBuffer, 0, bytes.byteLength / Constructor.BYTES_PER_ELEMENT) as TypedArray;
  }
}
