/**
 * The part of autocannon 8's programmatic API the benchmark uses (the
 * package ships no types, and @types/autocannon is not installed).
 */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    /** Requests per second over all connections. */
    overallRate?: number;
  }

  interface Result {
    /** Seconds, to 1/100. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    requests: { total: number; sent: number; average: number };
    /** Milliseconds, from an integer histogram: useless below ~1 ms, hence our own latency samples. */
    latency: { average: number; p50: number; p99: number };
  }

  interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
    on(
      event: "response",
      listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
    ): this;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
