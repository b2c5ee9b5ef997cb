#!/usr/bin/env node
/**
 * The container's HEALTHCHECK (`node dist/healthcheck.js`), for both roles of the image: a
 * worker, whose health file (WORKER_HEALTH_FILE) exists, is healthy while its last heartbeat
 * to Redis is recent; an API replica is healthy while GET /healthz answers 200. Exits 0 when
 * healthy and 1 when not, as Docker expects, saying why on stderr.
 */
import { loadConfig } from './config.js';
import { healthFileAge, healthMaxAgeMs } from './distributed/health.js';

async function main(): Promise<string | undefined> {
  const config = loadConfig();
  if (config.workerHealthFile !== undefined) {
    const age = await healthFileAge(config.workerHealthFile);
    if (age !== undefined) {
      return age <= healthMaxAgeMs ? undefined : `worker: no heartbeat reached Redis for ${Math.round(age / 1_000)} s`;
    }
  }
  // A wildcard bind answers on loopback; a specific address only on itself.
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? undefined : `server: ${url} answered ${response.status}`;
  } catch (error) {
    return `server: ${url} did not answer (${error instanceof Error ? error.message : String(error)})`;
  }
}

main().then(
  (problem) => {
    if (problem !== undefined) console.error(`unhealthy: ${problem}`);
    process.exit(problem === undefined ? 0 : 1);
  },
  (error: unknown) => {
    console.error(`unhealthy: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
