/**
 * The live workers of a deployment and their threads, which is how wide a job fans out. One
 * sorted set: each member a worker (`<id>:<threads>`), scored by when its claim lapses on
 * Redis's own clock (so the clocks of the machines never matter), renewed by every heartbeat
 * and read in one round trip whatever else the keyspace holds.
 */
import type { Redis } from 'ioredis';

/** KEYS[1] the set; ARGV[1] a member to renew ('' to only read), ARGV[2] its lifetime in ms. Returns the live members. */
const renewAndRead = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) end
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

export interface ClusterMember {
  readonly id: string;
  readonly threads: number;
}

const memberOf = ({ id, threads }: ClusterMember): string => `${id}:${threads}`;

function threadsOf(members: unknown): number {
  if (!Array.isArray(members)) return 0;
  return members.reduce<number>((total, member) => total + Number(String(member).slice(String(member).lastIndexOf(':') + 1)), 0);
}

/** Renews the worker's claim for `lifetimeMs`; resolves with the threads of every live worker. */
export async function announceWorker(redis: Redis, key: string, worker: ClusterMember, lifetimeMs: number): Promise<number> {
  return threadsOf(await redis.eval(renewAndRead, 1, key, memberOf(worker), String(lifetimeMs)));
}

/** The threads of every live worker. */
export async function clusterThreads(redis: Redis, key: string): Promise<number> {
  return threadsOf(await redis.eval(renewAndRead, 1, key, '', '0'));
}

/** A stopping worker: jobs planned from now on no longer count its threads. */
export async function withdrawWorker(redis: Redis, key: string, worker: ClusterMember): Promise<void> {
  await redis.zrem(key, memberOf(worker));
}
