/**
 * A worker's health for process supervisors (Docker's HEALTHCHECK). A worker has no HTTP
 * port, so after every heartbeat that reached Redis it touches a file (WORKER_HEALTH_FILE),
 * and it is healthy while that file is fresh: a worker cut off from Redis, or whose event
 * loop is stuck, stops touching it and turns unhealthy within `healthMaxAgeMs`.
 */
import { rm, stat, writeFile } from 'node:fs/promises';

export const heartbeatMs = 2_000;
/** Three missed heartbeats: the age at which a worker's Redis key expires too. */
export const healthMaxAgeMs = heartbeatMs * 3;

export async function touchHealthFile(path: string, now = new Date()): Promise<void> {
  await writeFile(path, `${now.toISOString()}\n`);
}

/** A stopped worker is not healthy, and a replica's health check must not read its file. */
export async function removeHealthFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Milliseconds since the file was last touched, or undefined when there is none. */
export async function healthFileAge(path: string, now = Date.now()): Promise<number | undefined> {
  try {
    return now - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}
