import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ShoalError } from '../errors.js';
import type { Labels, Metrics } from '../metrics.js';

export interface PromClientMetricsOptions {
  /** Prepended to every name, e.g. `myapp_`: keeps shoal's metrics apart from the application's own. Default none. */
  prefix?: string;
  /** Histogram buckets for timings, in seconds. Default prom-client's (5 ms to 10 s). */
  timingBuckets?: number[];
}

type AnyMetric = Counter | Gauge | Histogram;

/**
 * Registers shoal's metrics in an application's prom-client `registry`.
 *
 * Names are kit's dotted names with every character Prometheus refuses turned
 * into `_` (`memberlist.msg.alive` → `memberlist_msg_alive`), as Go's
 * go-metrics Prometheus sink and kit's `InMemoryMetrics.toPrometheus()` name
 * them, so dashboards carry over. Counters and gauges keep that name; a
 * timing becomes a histogram of seconds under it.
 *
 * A metric's label names are those of its first observation (Prometheus fixes
 * them per metric): a later label that was not among them is dropped, and one
 * that is missing is recorded as ''. A name the registry already holds with
 * another type is an error (thrown on the first observation); use `prefix`.
 */
export function createPromClientMetrics(registry: Registry, options: PromClientMetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? '';
  const metrics = new Map<string, { metric: AnyMetric; labelNames: readonly string[] }>();

  const get = <M extends AnyMetric>(kind: 'counter' | 'gauge' | 'histogram', name: string, labels: Labels | undefined): { metric: M; values: Record<string, string> } => {
    const promName = prefix + name.replace(/[^a-zA-Z0-9_:]/g, '_');
    let entry = metrics.get(promName);
    if (entry && !(entry.metric instanceof KINDS[kind])) throw clash(promName, kind, name);
    if (!entry) {
      const labelNames = Object.keys(labels ?? {}).sort();
      entry = { metric: existingOrNew(registry, kind, promName, name, labelNames, options.timingBuckets), labelNames };
      metrics.set(promName, entry);
    }
    const values: Record<string, string> = {};
    for (const label of entry.labelNames) values[label] = labels?.[label] ?? '';
    return { metric: entry.metric as M, values };
  };

  return {
    incrCounter(name, value = 1, labels) {
      // Prometheus counters only go up; a negative increment (none in shoal) would throw inside the caller.
      if (!(value >= 0)) return;
      const { metric, values } = get<Counter>('counter', name, labels);
      metric.inc(values, value);
    },
    setGauge(name, value, labels) {
      const { metric, values } = get<Gauge>('gauge', name, labels);
      metric.set(values, value);
    },
    addTiming(name, ms, labels) {
      const { metric, values } = get<Histogram>('histogram', name, labels);
      metric.observe(values, ms / 1000);
    },
  };
}

const KINDS = { counter: Counter, gauge: Gauge, histogram: Histogram } as const;

function existingOrNew(registry: Registry, kind: keyof typeof KINDS, promName: string, shoalName: string, labelNames: string[], buckets: number[] | undefined): AnyMetric {
  const existing = registry.getSingleMetric(promName);
  if (existing) {
    if (existing instanceof KINDS[kind]) return existing;
    throw clash(promName, kind, shoalName);
  }
  const config = { name: promName, help: `shoal ${kind} ${shoalName}`, labelNames, registers: [registry] };
  if (kind === 'histogram') return new Histogram({ ...config, ...(buckets ? { buckets } : {}) });
  return kind === 'counter' ? new Counter(config) : new Gauge(config);
}

function clash(promName: string, kind: string, shoalName: string): ShoalError {
  return new ShoalError('ERR_METRIC_CLASH', `prom-client registry already has '${promName}' as another type; shoal's ${kind} '${shoalName}' needs a prefix`);
}
