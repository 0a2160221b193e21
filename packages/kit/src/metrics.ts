/**
 * A small metrics sink. Metric names follow the Go libraries (armon/go-metrics
 * keys joined with dots, e.g. `memberlist.msg.alive`, `raft.apply`), so
 * dashboards built for the Go services keep working. No-op by default.
 */
export type Labels = Readonly<Record<string, string>>;

export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  incrCounter(name: string, value?: number, labels?: Labels): void;
  /** Sets a gauge to `value`. */
  setGauge(name: string, value: number, labels?: Labels): void;
  /** Records one timing observation, in milliseconds. */
  addTiming(name: string, ms: number, labels?: Labels): void;
}

const noop = (): void => {};

export const noopMetrics: Metrics = { incrCounter: noop, setGauge: noop, addTiming: noop };

export interface TimingSummary {
  count: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
}

export interface MetricsSnapshot {
  counters: Map<string, number>;
  gauges: Map<string, number>;
  timings: Map<string, TimingSummary>;
}

/** Key of a metric with labels: `name{a="1",b="2"}`, labels sorted so the key is stable. */
export function metricKey(name: string, labels?: Labels): string {
  if (!labels) return name;
  const keys = Object.keys(labels);
  if (keys.length === 0) return name;
  keys.sort();
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/** Aggregates in memory; read it with `snapshot()` or export it as Prometheus text. */
export class InMemoryMetrics implements Metrics {
  readonly #counters = new Map<string, number>();
  readonly #gauges = new Map<string, number>();
  readonly #timings = new Map<string, TimingSummary>();

  incrCounter(name: string, value = 1, labels?: Labels): void {
    const key = metricKey(name, labels);
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + value);
  }

  setGauge(name: string, value: number, labels?: Labels): void {
    this.#gauges.set(metricKey(name, labels), value);
  }

  addTiming(name: string, ms: number, labels?: Labels): void {
    const key = metricKey(name, labels);
    const t = this.#timings.get(key);
    if (!t) this.#timings.set(key, { count: 1, sumMs: ms, minMs: ms, maxMs: ms });
    else {
      t.count++;
      t.sumMs += ms;
      if (ms < t.minMs) t.minMs = ms;
      if (ms > t.maxMs) t.maxMs = ms;
    }
  }

  counter(name: string, labels?: Labels): number {
    return this.#counters.get(metricKey(name, labels)) ?? 0;
  }

  gauge(name: string, labels?: Labels): number | undefined {
    return this.#gauges.get(metricKey(name, labels));
  }

  timing(name: string, labels?: Labels): TimingSummary | undefined {
    const t = this.#timings.get(metricKey(name, labels));
    return t && { ...t };
  }

  snapshot(): MetricsSnapshot {
    return {
      counters: new Map(this.#counters),
      gauges: new Map(this.#gauges),
      timings: new Map([...this.#timings].map(([k, v]) => [k, { ...v }])),
    };
  }

  /** Prometheus text exposition: dots become underscores; timings become summaries in seconds. */
  toPrometheus(): string {
    const lines: string[] = [];
    const typed = new Set<string>();
    const emit = (key: string, type: string, suffix: string, value: number): void => {
      const brace = key.indexOf('{');
      const base = promName(brace < 0 ? key : key.slice(0, brace));
      const labels = brace < 0 ? '' : key.slice(brace);
      if (!typed.has(base)) {
        typed.add(base);
        lines.push(`# TYPE ${base} ${type}`);
      }
      lines.push(`${base}${suffix}${labels} ${value}`);
    };
    for (const [k, v] of [...this.#counters].sort()) emit(k, 'counter', '', v);
    for (const [k, v] of [...this.#gauges].sort()) emit(k, 'gauge', '', v);
    for (const [k, t] of [...this.#timings].sort()) {
      emit(k, 'summary', '_sum', t.sumMs / 1000);
      emit(k, 'summary', '_count', t.count);
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}

function promName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_');
}
