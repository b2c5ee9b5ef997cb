/** Builds a real app (real pool threads, nothing mocked) behind the real crunch HTTP server for supertest. */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import supertest from 'supertest';
import { createAppServer } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { DistributedWorker } from '../../src/distributed/worker.js';
import type { ConnectionGuard } from '../../src/http/connections.js';
import { type Services, closeServices, createServices } from '../../src/services.js';
import { testRedis } from './services.js';

export interface TestApp {
  readonly services: Services;
  readonly config: Config;
  readonly server: Server;
  readonly connections: ConnectionGuard;
  readonly request: supertest.Agent;
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', POOL_THREADS: '2', ALLOW_ROUTE_OVERRIDE: 'true', ...overrides });
}

export function startTestApp(overrides: Record<string, string> = {}): TestApp {
  const config = testConfig(overrides);
  const services = createServices(config);
  // The production server, its inline lane and its connection limits, not a bare adaptor: tests exercise what runs.
  const { server, connections } = createAppServer(services);
  return {
    services,
    config,
    server,
    connections,
    request: supertest.agent(server),
    async close() {
      server.close();
      await closeServices(services);
    },
  };
}

/** The two ways jobs run: in this process, or on BullMQ workers through a real Redis. */
export const jobModes = ['embedded', 'distributed'] as const;
export type JobMode = (typeof jobModes)[number];

/** Why a mode cannot be tested here (distributed needs the test Redis), or false. */
export function skipMode(mode: JobMode): string | false {
  return mode === 'distributed' ? testRedis.skip : false;
}

/**
 * An app whose jobs run in `mode`. Distributed: an API replica and a worker (in this process,
 * each with its own pool) on the test Redis, under a prefix of their own that is deleted on close.
 */
export async function startModeApp(mode: JobMode, overrides: Record<string, string> = {}): Promise<TestApp & { worker?: DistributedWorker }> {
  if (mode === 'embedded') return startTestApp(overrides);
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  // Every pool run fans out over the tasks queue, so the tests exercise the distributed path, not the worker's local one.
  const settings = { REDIS_URL: testRedis.address(), REDIS_PREFIX: prefix, POOL_THREADS: '1', DISTRIBUTED_FANOUT_MIN_MS: '0', ...overrides };
  const app = startTestApp(settings);
  await app.services.ready;
  const worker = new DistributedWorker(testConfig(settings), pino({ level: 'silent' }));
  await worker.start();
  return {
    ...app,
    worker,
    async close() {
      await app.close();
      await worker.close(1_000);
      await deletePrefix(testRedis.address(), prefix);
    },
  };
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Asserts the common shape of an RFC 9457 problem response and returns its body. */
export function problemOf(response: supertest.Response): {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ pointer: string; message: string }>;
} {
  if (!String(response.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${response.headers['content-type']}: ${response.text}`);
  }
  const body = JSON.parse(response.text) as ReturnType<typeof problemOf>;
  if (body.status !== response.status) throw new Error(`problem status ${body.status} differs from HTTP ${response.status}`);
  if (typeof body.detail !== 'string' || body.detail.length === 0) throw new Error('problem has no detail');
  if (JSON.stringify(body).includes('    at ')) throw new Error('problem leaks a stack trace');
  return body;
}
