/**
 * The distributed mode's function store: every API replica and worker sees the same stored
 * functions. Per tenant, a sorted set of ids (by a global sequence, so the list is in storing
 * order) and a byte counter; per function a hash with its record. The bound check and the
 * write are one Lua script, so two replicas storing at once cannot both pass the bound.
 * Stored functions have no TTL: they live until deleted.
 */
import type { Redis } from 'ioredis';
import { FunctionStoreFullError, FunctionStoreUnavailableError } from '../functions/errors.js';
import type { FunctionStore, FunctionStoreLimits, StoredFunction } from '../functions/types.js';
import { isConnectionError } from './jobs.js';
import type { RedisKeys } from './redis.js';

// KEYS: set, bytes, record, sequence. ARGV: max count, max bytes, bytes, id, json.
const insertScript = `
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[1]) then return {0, count} end
local after = tonumber(redis.call('GET', KEYS[2]) or '0') + tonumber(ARGV[3])
if after > tonumber(ARGV[2]) then return {1, after} end
redis.call('HSET', KEYS[3], 'json', ARGV[5], 'bytes', ARGV[3])
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[4]), ARGV[4])
redis.call('INCRBY', KEYS[2], ARGV[3])
return {2, after}
`;

// KEYS: set, bytes, record. ARGV: id.
const deleteScript = `
local bytes = redis.call('HGET', KEYS[3], 'bytes')
if not bytes then return 0 end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DECRBY', KEYS[2], bytes)
return 1
`;

export class RedisFunctionStore implements FunctionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: FunctionStoreLimits,
  ) {}

  insert(stored: StoredFunction): Promise<void> {
    return this.#guard(async () => {
      const { keys, limits } = this;
      const [outcome, used] = (await this.redis.eval(
        insertScript,
        4,
        keys.functions(stored.tenant),
        keys.functionBytes(stored.tenant),
        keys.function(stored.tenant, stored.id),
        keys.functionSequence,
        limits.maxPerTenant,
        limits.maxBytesPerTenant,
        stored.bytes,
        stored.id,
        JSON.stringify(stored),
      )) as [number, number];
      if (outcome === 0) throw new FunctionStoreFullError('count', limits.maxPerTenant, used);
      if (outcome === 1) throw new FunctionStoreFullError('bytes', limits.maxBytesPerTenant, used);
    });
  }

  get(tenant: string, id: string): Promise<StoredFunction | undefined> {
    return this.#guard(async () => {
      const json = await this.redis.hget(this.keys.function(tenant, id), 'json');
      return json === null ? undefined : (JSON.parse(json) as StoredFunction);
    });
  }

  list(tenant: string): Promise<StoredFunction[]> {
    return this.#guard(async () => {
      const ids = await this.redis.zrevrange(this.keys.functions(tenant), 0, -1);
      if (ids.length === 0) return [];
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hget(this.keys.function(tenant, id), 'json');
      const found: StoredFunction[] = [];
      for (const [error, json] of (await pipeline.exec()) ?? []) {
        if (error === null && typeof json === 'string') found.push(JSON.parse(json) as StoredFunction);
      }
      return found;
    });
  }

  delete(tenant: string, id: string): Promise<boolean> {
    return this.#guard(async () => {
      const { keys } = this;
      const removed = await this.redis.eval(deleteScript, 3, keys.functions(tenant), keys.functionBytes(tenant), keys.function(tenant, id), id);
      return removed === 1;
    });
  }

  /** Redis failures are a 503 the client can retry; the store's own refusals pass through. */
  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (this.redis.status !== 'ready' || isConnectionError(error)) throw new FunctionStoreUnavailableError({ cause: error });
      throw error;
    }
  }
}
