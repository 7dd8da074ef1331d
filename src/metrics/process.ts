import { collectDefaultMetrics, Registry } from 'prom-client'

/** prom-client's default metrics, made once in this process. */
let defaults: Registry | undefined

/**
 * Adds prom-client's default `process_*` and `nodejs_*` metrics (CPU,
 * memory, file descriptors, event loop lag, heap, GC) to `registry`.
 *
 * They describe the process, and several nodes can run in one (tests, the
 * demo): collectDefaultMetrics runs once per process, on a registry of its
 * own, and each node's registry gets those same metric objects. So a
 * second node starts no second event-loop monitor or GC observer, a
 * registry never holds them twice (a call for a registry that has them is
 * a no-op), and a stopped node leaves nothing behind: prom-client 15 runs
 * no timers, and its monitors, made once, keep no process alive. A name
 * the registry already holds from elsewhere (its owner's own defaults) is
 * left as it is.
 */
export function addProcessMetrics (registry: Registry): void {
  if (defaults === undefined) {
    defaults = new Registry()
    collectDefaultMetrics({ register: defaults })
  }
  for (const { name } of defaults.getMetricsAsArray()) {
    const metric = defaults.getSingleMetric(name)
    if (metric !== undefined && registry.getSingleMetric(name) === undefined) registry.registerMetric(metric)
  }
}
