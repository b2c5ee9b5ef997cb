/**
 * Prometheus metrics, one registry per service instance (tests build many apps in one
 * process, so nothing registers globally).
 *
 * The request path pays for its metrics with counter arithmetic and a lookup of pre-bound
 * label sets: no label objects, strings or closures per request (a cheap request costs
 * microseconds, and metrics must not be a visible share of it). Label values are bounded:
 * routes are the app's route patterns (or `unmatched`), methods and statuses what Node's
 * parser lets through, operations and placements come from their registries. Jobs are read
 * from the job service at scrape time (src/jobs/stats.ts), the same way in both job modes.
 */
import { readFileSync } from 'node:fs';
import { Counter, Gauge, type Registry as PromRegistry, Registry, collectDefaultMetrics } from 'prom-client';
import { type JobStatsSnapshot, jobDurationBuckets } from './jobs/stats.js';
import type { WorkerPool } from './pool/pool.js';
import type { PoolSampler } from './pool/pool-sampler.js';

export interface Metrics {
  readonly registry: Registry;
  /** A request began (in-flight gauge); `observeRequest` ends it. */
  requestStarted(): void;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** A refused request, by the problem type that refused it (counted for `refusalReasons` only). */
  observeProblem(type: string): void;
  observeDispatch(operation: string, placement: string, seconds: number): void;
  /** An event stream opened or closed (open-streams gauge). */
  streamOpened(): void;
  streamClosed(): void;
}

/** Problem types that refuse work for want of capacity, time or quota, rather than for a bad request. */
export const refusalReasons = [
  'overloaded',
  'shutting-down',
  'jobs-unavailable',
  'too-costly',
  'deadline-exceeded',
  'result-too-large',
  'body-too-large',
  'rate-limited',
  'quota-exceeded',
  'unauthorized',
] as const;

/** The version in package.json: read once, from beside src/ or dist/. */
function packageVersion(): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Pre-bound children of a labelled metric, found by nested maps: a hit allocates nothing. */
class BoundLabels<T> {
  readonly #children = new Map<string, Map<string, Map<string, T>>>();

  constructor(private readonly bind: (a: string, b: string, c: string) => T) {}

  get(a: string, b: string, c: string): T {
    let byB = this.#children.get(a);
    if (byB === undefined) this.#children.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (byC === undefined) byB.set(b, (byC = new Map()));
    let child = byC.get(c);
    if (child === undefined) byC.set(c, (child = this.bind(a, b, c)));
    return child;
  }
}

/** The counts of one label set of a CountingHistogram. */
class HistogramChild {
  /** Observations per bucket (not cumulative); the last slot is beyond the largest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const { bounds } = this;
    let index = 0;
    while (index < bounds.length && seconds > (bounds[index] as number)) index += 1;
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.sum += seconds;
    this.count += 1;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A Prometheus histogram whose observations are three additions on a pre-bound child.
 * prom-client's own child `observe` converts, validates and hashes its labels on every call,
 * a visible share of a request that costs tens of microseconds; the samples are rendered
 * only when scraped, in prom-client's text format (the registry takes any object with `get`).
 */
class CountingHistogram {
  readonly #children: HistogramChild[] = [];
  readonly #labelNames: readonly string[];
  readonly #bounds: readonly number[];

  constructor(registry: Registry, options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] }) {
    const { name, help } = options;
    this.#labelNames = options.labelNames;
    this.#bounds = options.buckets;
    const children = this.#children;
    const bounds = this.#bounds;
    registry.registerMetric({
      name,
      help,
      get() {
        const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
        for (const child of children) {
          let cumulative = 0;
          bounds.forEach((bound, index) => {
            cumulative += child.counts[index] ?? 0;
            values.push({ metricName: `${name}_bucket`, labels: { ...child.labels, le: bound }, value: cumulative });
          });
          values.push({ metricName: `${name}_bucket`, labels: { ...child.labels, le: '+Inf' }, value: child.count });
          values.push({ metricName: `${name}_sum`, labels: child.labels, value: child.sum });
          values.push({ metricName: `${name}_count`, labels: child.labels, value: child.count });
        }
        return { name, help, type: 'histogram', values, aggregator: 'sum' };
      },
      reset() {
        for (const child of children) child.reset();
      },
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  child(labelValues: readonly string[]): HistogramChild {
    const labels: Record<string, string> = {};
    this.#labelNames.forEach((labelName, index) => (labels[labelName] = labelValues[index] ?? ''));
    const child = new HistogramChild(labels, this.#bounds);
    this.#children.push(child);
    return child;
  }
}

/**
 * Job stats, read once per scrape however many metrics show them: the registry collects every
 * metric at once, so they share the read in flight; the next scrape reads again.
 */
function scrapeCache(read: () => Promise<JobStatsSnapshot>): () => Promise<JobStatsSnapshot | undefined> {
  let pending: Promise<JobStatsSnapshot | undefined> | undefined;
  return () => {
    // A job store out of reach (Redis down) leaves the job metrics out of this scrape, not the others.
    pending ??= read()
      .catch(() => undefined)
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

export function createMetrics(pool: WorkerPool, poolSampler: PoolSampler, jobStats: () => Promise<JobStatsSnapshot>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const registers: PromRegistry[] = [registry];

  const requests = new CountingHistogram(registry, {
    name: 'crunch_http_request_duration_seconds',
    help: 'HTTP request latency to the start of the response, by method, route pattern (or "unmatched") and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
  });
  const boundRequests = new BoundLabels((route, method, status) => requests.child([method, route, status]));
  const statusText: string[] = [];
  for (let status = 100; status < 600; status += 1) statusText[status] = String(status);

  let inFlight = 0;
  new Gauge({
    name: 'crunch_http_requests_in_flight',
    help: 'HTTP requests being handled now, until their response starts (open event streams: crunch_job_event_streams_open).',
    registers,
    collect() {
      this.set(inFlight);
    },
  });
  let openStreams = 0;
  new Gauge({
    name: 'crunch_job_event_streams_open',
    help: 'Job event streams (Server-Sent Events) open now.',
    registers,
    collect() {
      this.set(openStreams);
    },
  });

  const refusals = new Counter({
    name: 'crunch_refusals_total',
    help: 'Requests refused for want of capacity, time or quota, by reason (the problem type).',
    labelNames: ['reason'] as const,
    registers,
  });
  const refusalChildren = new Map(refusalReasons.map((reason) => [reason as string, refusals.labels({ reason })]));
  // Every reason shows from the start, at 0, so that rates over it are defined before the first refusal.
  for (const child of refusalChildren.values()) child.inc(0);

  const dispatches = new CountingHistogram(registry, {
    name: 'crunch_dispatch_duration_seconds',
    help: 'Compute time by operation and the placement the dispatcher chose (inline, sliced, pool).',
    labelNames: ['operation', 'placement'],
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300, 3600],
  });
  const boundDispatches = new BoundLabels((operation, placement) => dispatches.child([operation, placement]));

  new Gauge({
    name: 'crunch_pool_queue_depth',
    help: 'Tasks waiting for a worker thread.',
    registers,
    collect() {
      this.set(pool.closed ? 0 : pool.queueSize);
    },
  });
  new Gauge({
    name: 'crunch_pool_utilization_ratio',
    help: 'Share of worker thread time spent running tasks over the last sampling interval (POOL_SAMPLE_INTERVAL_MS).',
    registers,
    collect() {
      this.set(poolSampler.current().utilization);
    },
  });
  new Gauge({
    name: 'crunch_pool_threads',
    help: 'Worker threads in the pool.',
    registers,
    collect() {
      this.set(pool.threads);
    },
  });
  new Counter({
    name: 'crunch_pool_tasks_completed_total',
    help: 'Pool tasks completed since start.',
    registers,
    collect() {
      if (!pool.closed) this.reset(), this.inc(pool.completed);
    },
  });

  const scrapeJobs = scrapeCache(jobStats);
  new Gauge({
    name: 'crunch_jobs',
    help: 'Jobs not finished, by state (queued, running); in the distributed mode, of the whole deployment.',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const stats = await scrapeJobs();
      this.reset();
      if (stats === undefined) return;
      this.set({ state: 'queued' }, stats.queued);
      this.set({ state: 'running' }, stats.running);
    },
  });
  new Gauge({
    name: 'crunch_job_queue_depth',
    help: 'Jobs waiting for their turn to run (JOB_MAX_QUEUED bounds it); in the distributed mode, in the BullMQ queue.',
    registers,
    async collect() {
      const stats = await scrapeJobs();
      this.reset();
      if (stats !== undefined) this.set(stats.queued);
    },
  });
  new Counter({
    name: 'crunch_jobs_finished_total',
    help: 'Jobs finished, by operation and final status (succeeded, failed, cancelled); in the distributed mode, of the whole deployment.',
    labelNames: ['operation', 'status'] as const,
    registers,
    async collect() {
      const stats = await scrapeJobs();
      this.reset();
      for (const entry of stats?.finished ?? []) this.inc({ operation: entry.operation, status: entry.status }, entry.count);
    },
  });
  const durationName = 'crunch_job_duration_seconds';
  const durationHelp =
    'Run time of finished jobs (start to end; creation to end for jobs cancelled while queued), by operation and final status.';
  // A histogram whose buckets come from the job service, so prom-client's Histogram (which
  // only observes) cannot hold it; the registry takes any object that renders its samples.
  registry.registerMetric({
    name: durationName,
    help: durationHelp,
    async get() {
      const stats = await scrapeJobs();
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const entry of stats?.finished ?? []) {
        const labels = { operation: entry.operation, status: entry.status };
        let cumulative = 0;
        jobDurationBuckets.forEach((bound, index) => {
          cumulative += entry.buckets[index] ?? 0;
          values.push({ metricName: `${durationName}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
        });
        values.push({ metricName: `${durationName}_bucket`, labels: { ...labels, le: '+Inf' }, value: entry.count });
        values.push({ metricName: `${durationName}_sum`, labels, value: entry.seconds });
        values.push({ metricName: `${durationName}_count`, labels, value: entry.count });
      }
      return { name: durationName, help: durationHelp, type: 'histogram', values, aggregator: 'sum' };
    },
  } as unknown as Parameters<Registry['registerMetric']>[0]);

  new Gauge({
    name: 'crunch_build_info',
    help: 'Always 1: the crunch version and the Node.js version running it.',
    labelNames: ['version', 'node'] as const,
    registers,
  }).set({ version: packageVersion(), node: process.version }, 1);

  return {
    registry,
    requestStarted() {
      inFlight += 1;
    },
    observeRequest(method, route, status, seconds) {
      inFlight -= 1;
      boundRequests.get(route, method, statusText[status] ?? String(status)).observe(seconds);
    },
    observeProblem(type) {
      refusalChildren.get(type)?.inc();
    },
    observeDispatch(operation, placement, seconds) {
      boundDispatches.get(operation, placement, '').observe(seconds);
    },
    streamOpened() {
      openStreams += 1;
    },
    streamClosed() {
      openStreams -= 1;
    },
  };
}
