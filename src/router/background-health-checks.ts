import {
  checkDeployments,
  type HealthCheckOptions,
  type HealthCheckResult,
  type HealthCheckTarget,
} from "./deployment-health-check.js";

export interface BackgroundHealthCheckOptions extends Omit<HealthCheckOptions, "signal"> {
  /** What each run checks, asked at its start: deployments stored through the API come and go. */
  readonly targets: () => readonly HealthCheckTarget[];
  /** Pause between the end of one run and the start of the next, ms (LiteLLM's health_check_interval). */
  readonly intervalMs: number;
  /** Told after every run: the router skips the deployments found unhealthy. */
  readonly onResults: (results: readonly HealthCheckResult[]) => void;
}

/**
 * LiteLLM's `background_health_checks`: the active checks of every deployment, run again
 * `intervalMs` after each run ends (runs never overlap), until `stop`.
 */
export class BackgroundHealthChecks {
  readonly #options: BackgroundHealthCheckOptions;
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #latest: readonly HealthCheckResult[] | undefined;

  constructor(options: BackgroundHealthCheckOptions) {
    this.#options = options;
  }

  /** The last run's results, or undefined before the first run ends. */
  get latest(): readonly HealthCheckResult[] | undefined {
    return this.#latest;
  }

  start(): void {
    this.#running = this.#run();
  }

  async #run(): Promise<void> {
    const { targets, intervalMs, onResults, ...options } = this.#options;
    const results = await checkDeployments(targets(), { ...options, signal: this.#stop.signal });
    if (this.#stop.signal.aborted) return;
    this.#latest = results;
    onResults(results);
    this.#timer = setTimeout(() => {
      this.#running = this.#run();
    }, intervalMs);
    this.#timer.unref();
  }

  /** Ends the loop, and any run under way (its checks are aborted). */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#timer);
    await this.#running;
  }
}
