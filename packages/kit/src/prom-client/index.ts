// `@shoal/kit/prom-client`: kit's Metrics on a prom-client registry. A subpath
// of its own, so that only applications that import it need prom-client (an
// optional peer dependency of @shoal/kit).
export { createPromClientMetrics, type PromClientMetricsOptions } from './prom-client-metrics.js';
