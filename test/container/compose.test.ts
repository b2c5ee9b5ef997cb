/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine (none on the
 * development machine or in CI): the compose file parses, has Redis set up for BullMQ, two
 * API replicas and two workers built from the Dockerfile, each configured with values the
 * real config accepts, started only once Redis is healthy, and given time to stop gracefully.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  volumes?: string[];
}

// `<<` merges are YAML 1.1; docker compose resolves them, and so does this parse.
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const dockerfile = readFileSync('Dockerfile', 'utf8');
const services = compose.services;
const crunchServices = Object.entries(services).filter(([, service]) => service.build !== undefined);
const apis = crunchServices.filter(([, service]) => service.command === undefined);
const workers = crunchServices.filter(([, service]) => service.command !== undefined);
const argv = (command: Service['command']): string[] => (typeof command === 'string' ? command.split(/\s+/) : (command ?? []));
const seconds = (duration: string | undefined): number => {
  const match = /^(\d+)(ms|s|m)$/.exec(duration ?? '');
  assert.ok(match !== null, `not a compose duration: ${duration}`);
  return Number(match[1]) * ({ ms: 0.001, s: 1, m: 60 } as const)[match[2] as 'ms' | 's' | 'm'];
};

test('Redis is configured for BullMQ: noeviction, a memory bound, AOF persistence on a volume, a health check on PONG', () => {
  const redis = services['redis'];
  assert.ok(redis !== undefined, 'no redis service');
  assert.match(String(redis.image), /^(valkey\/valkey|redis):\d/);
  const command = argv(redis.command);
  const option = (name: string): string | undefined => command[command.indexOf(`--${name}`) + 1];
  assert.equal(option('maxmemory-policy'), 'noeviction');
  assert.match(String(option('maxmemory')), /^\d+(gb|mb)$/);
  assert.equal(option('appendonly'), 'yes');
  assert.equal(option('appendfsync'), 'everysec');
  const volume = redis.volumes?.find((entry) => entry.endsWith(':/data'));
  assert.ok(volume !== undefined && compose.volumes?.[volume.split(':')[0] as string] !== undefined, 'the AOF is not on a named volume');
  assert.match(redis.healthcheck?.test.join(' ') ?? '', /-cli ping .*PONG/);
});

test('two API replicas on their own host ports and two workers, all built from the Dockerfile as one image', () => {
  assert.equal(apis.length, 2, `API services: ${apis.map(([name]) => name)}`);
  const workerCount = workers.reduce((total, [, service]) => total + (service.deploy?.replicas ?? 1), 0);
  assert.equal(workerCount, 2);
  for (const [name, service] of crunchServices) {
    const context = typeof service.build === 'string' ? service.build : service.build?.context;
    assert.equal(context, '.', `${name} is not built from this repository`);
    assert.equal(service.image, crunchServices[0]?.[1].image, `${name} names another image`);
  }
  const containerPort = /^ENV .*\bPORT=(\d+)/m.exec(dockerfile)?.[1];
  const hostPorts = apis.map(([name, service]) => {
    assert.equal(service.ports?.length, 1, name);
    const [host, container] = String(service.ports?.[0]).split(':');
    assert.equal(container, containerPort, `${name} publishes a port the server does not listen on`);
    return host;
  });
  assert.equal(new Set(hostPorts).size, 2);
  for (const [name, service] of workers) {
    assert.deepEqual(argv(service.command), ['node', 'dist/worker.js'], name);
    assert.equal(service.ports, undefined, `${name}: a worker has no HTTP port`);
  }
  // What the commands run is what the build emits (tsc: src/x.ts -> dist/x.js).
  assert.match(dockerfile, /^CMD \["node", "dist\/server\.js"\]$/m);
  assert.ok(existsSync('src/server.ts') && existsSync('src/worker.ts'));
});

test('every crunch service: a valid distributed config, Redis healthy first, a health check for its role, time to stop', () => {
  for (const [name, service] of crunchServices) {
    const environment = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));
    const config = loadConfig(environment);
    assert.ok(config.distributed !== undefined, `${name} has no REDIS_URL`);
    assert.equal(new URL(config.distributed.redisUrl).hostname, 'redis', `${name} does not reach the redis service`);
    assert.deepEqual(service.depends_on, { redis: { condition: 'service_healthy' } }, name);
    assert.deepEqual(service.healthcheck?.test, ['CMD', 'node', 'dist/healthcheck.js'], name);
    assert.ok(
      seconds(service.stop_grace_period) * 1_000 > config.shutdownTimeoutMs,
      `${name}: docker stop would SIGKILL it before SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs} ms)`,
    );
  }
});

test('the image runs as a non-root user, with one health check for both roles', () => {
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*CMD \["node", "dist\/healthcheck\.js"\]$/m);
  assert.match(dockerfile, /^ENV .*\bWORKER_HEALTH_FILE=\/tmp\/\S+/m);
  assert.ok(existsSync('src/healthcheck.ts'));
});
