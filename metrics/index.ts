// One server's metrics: the registry, the engine decorator that feeds it, and the HTTP plugin
// (GET /metrics and the request hooks).
import type { Engine } from "../core/index.ts";
import { InstrumentedEngine } from "./instrumentedEngine.ts";
import { createMetricsRegistry, type MetricsOptions, type ModelStats, type ServerMetrics } from "./registry.ts";
import { metricsRoutes } from "./routes.ts";

export type { ModelStats, ServerMetrics };
export { InstrumentedEngine };

export interface Metrics {
  metrics: ServerMetrics;
  registry: ServerMetrics["registry"];
  /** Wraps the engine the routes use, so that every generation is observed. */
  engine(inner: Engine): InstrumentedEngine;
  /** GET /metrics and the request counting hooks: `.use()` it before the routes to count. */
  plugin: ReturnType<typeof metricsRoutes>;
}

/**
 * `engineStats`: each model's state at scrape time (LocalEngine.stats()). `resolveModel`: turns a
 * request's model name into its id for the request counter (unknown names count as "").
 */
export function createMetrics(
  engineStats: () => ModelStats[],
  resolveModel: (name: string) => string | undefined,
  options: MetricsOptions = {},
): Metrics {
  const metrics = createMetricsRegistry(engineStats, options);
  return {
    metrics,
    registry: metrics.registry,
    engine: (inner) => new InstrumentedEngine(inner, metrics),
    plugin: metricsRoutes(metrics, resolveModel),
  };
}
