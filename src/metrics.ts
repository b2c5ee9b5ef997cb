/**
 * Prometheus metrics, one registry per service instance (tests build many apps in one
 * process, so nothing registers globally).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkerPool } from './pool/pool.js';
import type { PoolSampler } from './pool/pool-sampler.js';

export interface Metrics {
  readonly registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  observeDispatch(operation: string, route: string, seconds: number): void;
}

export function createMetrics(pool: WorkerPool, poolSampler: PoolSampler): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const requests = new Histogram({
    name: 'crunch_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const dispatches = new Histogram({
    name: 'crunch_dispatch_duration_seconds',
    help: 'Compute time by operation and the route the dispatcher chose (inline, sliced, pool).',
    labelNames: ['operation', 'route'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'crunch_pool_queue_depth',
    help: 'Tasks waiting for a worker thread.',
    registers: [registry],
    collect() {
      this.set(pool.closed ? 0 : pool.queueSize);
    },
  });
  new Gauge({
    name: 'crunch_pool_utilization_ratio',
    help: 'Share of worker thread time spent running tasks over the last sampling interval (POOL_SAMPLE_INTERVAL_MS).',
    registers: [registry],
    collect() {
      this.set(poolSampler.current().utilization);
    },
  });
  new Gauge({
    name: 'crunch_pool_threads',
    help: 'Worker threads in the pool.',
    registers: [registry],
    collect() {
      this.set(pool.threads);
    },
  });
  new Counter({
    name: 'crunch_pool_tasks_completed_total',
    help: 'Pool tasks completed since start.',
    registers: [registry],
    collect() {
      if (!pool.closed) this.reset(), this.inc(pool.completed);
    },
  });
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.observe({ method, route, status: String(status) }, seconds);
    },
    observeDispatch(operation, route, seconds) {
      dispatches.observe({ operation, route }, seconds);
    },
  };
}
