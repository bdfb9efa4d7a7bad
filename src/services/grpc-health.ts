import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";

export { ServingStatus };

/**
 * Serving status per service name, as reported by the gRPC health service. The empty name stands
 * for the whole server. Listeners hear every change synchronously.
 */
export class HealthState {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #listeners = new Set<(service: string) => void>();
  #closed = false;

  /** By default the whole server ("") is SERVING, as load balancers probing "" expect. */
  constructor(initial: Iterable<readonly [string, ServingStatus]> = [["", ServingStatus.SERVING]]) {
    for (const [service, status] of initial) this.#statuses.set(service, status);
  }

  get(service: string): ServingStatus | undefined {
    return this.#statuses.get(service);
  }

  set(service: string, status: ServingStatus): void {
    if (this.#statuses.get(service) === status) return;
    this.#statuses.set(service, status);
    for (const listener of this.#listeners) listener(service);
  }

  /** Sets every known service, e.g. NOT_SERVING when shutdown begins so probes drain traffic. */
  setAll(status: ServingStatus): void {
    for (const service of [...this.#statuses.keys()]) this.set(service, status);
  }

  /**
   * Ends every Watch after it has sent the latest status: an open Watch
   * (a Kubernetes probe, a load balancer) would otherwise hold its HTTP/2
   * connection, and so shutdown, for the whole grace period.
   */
  close(): void {
    this.#closed = true;
    for (const listener of this.#listeners) listener("");
  }

  entries(): IterableIterator<[string, ServingStatus]> {
    return this.#statuses.entries();
  }

  /**
   * Yields the current status of `service` (SERVICE_UNKNOWN when it is not registered), then each
   * change, until `signal` aborts. Changes made while the consumer is busy collapse into the latest.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus> {
    let current = this.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
    let wake: (() => void) | undefined;
    const onChange = (changed: string) => {
      if (changed === service || this.#closed) wake?.();
    };
    const onAbort = () => wake?.();
    this.#listeners.add(onChange);
    signal.addEventListener("abort", onAbort);
    try {
      yield current;
      while (!signal.aborted) {
        const next = this.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (next !== current) {
          current = next;
          yield current;
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      this.#listeners.delete(onChange);
      signal.removeEventListener("abort", onAbort);
    }
  }
}

/** Registers `grpc.health.v1.Health` (Check, List, Watch) backed by `health`. */
export function registerHealthService(router: ConnectRouter, health: HealthState): void {
  router.service(Health, {
    check(request) {
      const status = health.get(request.service);
      if (status === undefined) {
        throw new ConnectError(`unknown service: ${request.service}`, Code.NotFound);
      }
      return { status };
    },
    list() {
      const statuses: Record<string, { status: ServingStatus }> = {};
      for (const [service, status] of health.entries()) statuses[service] = { status };
      return { statuses };
    },
    async *watch(request, context) {
      for await (const status of health.watch(request.service, context.signal)) yield { status };
    },
  });
}
