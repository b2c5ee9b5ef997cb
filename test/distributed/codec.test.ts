import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type BlobStore, DataCodec, type Json } from '../../src/distributed/codec.js';

/** Blobs in a Map, counting what is stored and read. */
function memoryBlobs(): BlobStore & { readonly stored: number[]; readonly read: number[] } {
  const blobs = new Map<string, Uint8Array>();
  const stored: number[] = [];
  const read: number[] = [];
  return {
    stored,
    read,
    async put(bytes) {
      const key = `blob-${blobs.size}`;
      blobs.set(key, Uint8Array.from(bytes));
      stored.push(bytes.byteLength);
      return key;
    },
    async get(key, offset, length) {
      const blob = blobs.get(key);
      if (blob === undefined) throw new Error(`no blob ${key}`);
      read.push(length);
      return blob.slice(offset, offset + length);
    },
  };
}

test('plain data, bigints, special numbers, typed arrays and $ keys survive the trip through JSON', async () => {
  const codec = new DataCodec(memoryBlobs());
  const value = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, true, false, Number.NaN, Number.POSITIVE_INFINITY, -0),
      fc.double(),
      fc.string(),
      fc.bigInt(),
      fc.float64Array({ maxLength: 20 }),
      fc.uint8Array({ maxLength: 20 }),
      fc.bigInt64Array({ maxLength: 5 }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('$bigint', '$object', '__proto__')), tie('value'), { maxKeys: 4, noNullPrototype: true }),
    ),
  })).value;
  await fc.assert(
    fc.asyncProperty(value, async (original) => {
      const json = await codec.encode(original);
      const decoded = await codec.decode(JSON.parse(JSON.stringify(json)) as Json);
      assert.deepEqual(decoded, original);
    }),
  );
});

test('a large typed array goes to a blob once; views of what came back from it travel as ranges of that blob', async () => {
  const blobs = memoryBlobs();
  const codec = new DataCodec(blobs);
  const values = new Float64Array(new SharedArrayBuffer(8 * 100_000));
  for (let index = 0; index < values.length; index += 1) values[index] = index;
  const json = await codec.encode({ values });
  assert.deepEqual(blobs.stored, [800_000]);
  const { values: decoded } = (await codec.decode(json)) as { values: Float64Array };
  assert.ok(decoded.buffer instanceof SharedArrayBuffer, 'shared memory stays shared, so shards can be views');
  assert.deepEqual(decoded, values);
  // A shard of the decoded array: a range of the stored blob, nothing stored again.
  const shard = decoded.subarray(25_000, 75_000);
  const shardJson = (await codec.encode({ shard })) as { shard: { $blob: string; offset: number; length: number } };
  assert.deepEqual(blobs.stored, [800_000]);
  assert.equal(shardJson.shard.offset, 200_000);
  assert.equal(shardJson.shard.length, 400_000);
  const { shard: back } = (await codec.decode(shardJson as unknown as Json)) as { shard: Float64Array };
  assert.deepEqual([...back], [...shard]);
  assert.equal(blobs.read.at(-1), 400_000, 'a child reads only its range');
});

test('a view of part of a fresh buffer is stored as its own bytes, never as the whole buffer', async () => {
  const blobs = memoryBlobs();
  const codec = new DataCodec(blobs);
  const whole = new Uint8Array(300_000).map((_, index) => index % 251);
  const part = whole.subarray(100_000, 200_000);
  const { part: back } = (await codec.decode(await codec.encode({ part }))) as { part: Uint8Array };
  assert.deepEqual(blobs.stored, [100_000]);
  assert.deepEqual(back, part);
});
