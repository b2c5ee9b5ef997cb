/** Builds a real app (real pool threads, nothing mocked) behind the real crunch HTTP server for supertest. */
import type { Server } from 'node:http';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type ConnectionGuard, createHttpServer } from '../../src/http/connections.js';
import { type Services, closeServices, createServices } from '../../src/services.js';

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
  const app = createApp(services);
  // The production server and its connection limits, not a bare adaptor: tests exercise what runs.
  const { server, connections } = createHttpServer(app.fetch, { limits: config.connections, registry: services.metrics.registry });
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
