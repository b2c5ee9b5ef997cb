/**
 * Blobs in Redis: the bulk bytes of job inputs and task data, stored once and read by range.
 * Each blob belongs to a job; when the job settles its blobs are deleted, and every blob has
 * a TTL in case nobody is left to delete it (a job lost with its Redis data, say).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BlobStore } from './codec.js';
import type { RedisKeys } from './redis.js';

export class RedisBlobs {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds: number,
  ) {}

  /** A store whose new blobs belong to job `owner`. */
  for(owner: string): BlobStore {
    return {
      put: async (bytes) => {
        const key = this.keys.blob(`${owner}:${randomUUID()}`);
        await this.redis
          .multi()
          .set(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'EX', this.ttlSeconds)
          .sadd(this.#owned(owner), key)
          .expire(this.#owned(owner), this.ttlSeconds)
          .exec();
        return key;
      },
      get: async (key, offset, length) => {
        if (length === 0) return new Uint8Array(0);
        const bytes = await this.redis.getrangeBuffer(key, offset, offset + length - 1);
        if (bytes.byteLength !== length) throw new Error(`blob ${key} is gone or shorter than ${offset + length} bytes`);
        return bytes;
      },
    };
  }

  /** Deletes every blob of a job. */
  async release(owner: string): Promise<void> {
    const owned = await this.redis.smembers(this.#owned(owner));
    await this.redis.del(...owned, this.#owned(owner));
  }

  #owned(owner: string): string {
    return `${this.keys.blob(owner)}:owned`;
  }
}
