import { collectDefaultMetrics, Registry } from "prom-client";

let registry: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, event-loop lag, GC,
 * handles) in a registry of their own, made on first use. They describe the
 * process, not a gateway, and each registration starts its own event-loop
 * monitor and GC observer that are never stopped: one per process, shared
 * by every gateway in it, is the honest count and the cheap one.
 */
export function processMetrics(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
