import type { DeploymentConfig } from "../config/config-types.js";
import type { Logger } from "../observability/logger.js";
import type { Deployment } from "../router/deployment.js";
import type { StoredModel } from "./stored-models.js";

/** One deployment as the config (or the store) and the router know it. */
export interface ModelEntry {
  readonly config: DeploymentConfig;
  readonly deployment: Deployment;
  /** Added through the API (LiteLLM's `model_info.db_model: true`); false: a model_list entry. */
  readonly stored: boolean;
}

export interface ServedModelsOptions {
  /** The config's model_list, in file order. */
  readonly configList: readonly DeploymentConfig[];
  /** Their deployments, built once at start (same order). */
  readonly configDeployments: readonly Deployment[];
  /** Builds the deployments of stored models, as the config's were built. */
  readonly build: (configs: readonly DeploymentConfig[]) => Deployment[];
  /** Told every deployment, config first, each time the stored ones change. */
  readonly serve: (deployments: readonly Deployment[]) => void;
  readonly logger: Logger;
}

/**
 * The deployments the gateway serves: the config's model_list, then the
 * stored models, merged as LiteLLM's proxy merges them — a stored model joins
 * the group of its model_name (a new group when none has it), and one whose
 * id is a config model's is not served (the config one stays). `update`
 * rebuilds only the stored models that changed and hands the whole list to
 * the router at once, so a request sees either the old groups or the new.
 */
export class ServedModels {
  readonly #options: ServedModelsOptions;
  readonly #configEntries: readonly ModelEntry[];
  readonly #configIds: ReadonlySet<string>;
  /** Built stored deployments by id, kept while their row is unchanged (providers cache per target). */
  #built = new Map<string, { updatedAt: number; entry: ModelEntry }>();
  #entries: readonly ModelEntry[];
  #byId: ReadonlyMap<string, ModelEntry>;

  constructor(options: ServedModelsOptions) {
    this.#options = options;
    const byId = new Map(options.configDeployments.map((deployment) => [deployment.id, deployment]));
    this.#configEntries = options.configList.flatMap((config) => {
      const deployment = byId.get(config.id);
      return deployment ? [{ config, deployment, stored: false }] : [];
    });
    this.#configIds = new Set(this.#configEntries.map((entry) => entry.config.id));
    this.#entries = this.#configEntries;
    this.#byId = new Map(this.#entries.map((entry) => [entry.config.id, entry]));
  }

  /** Every served deployment: config ones in file order, then stored ones, oldest first. */
  entries(): readonly ModelEntry[] {
    return this.#entries;
  }

  /** The served deployment with this id (model_info.id). */
  get(id: string): ModelEntry | undefined {
    return this.#byId.get(id);
  }

  /** Whether a model_list entry of the config file has this id: the API may not change it. */
  isConfigModel(id: string): boolean {
    return this.#configIds.has(id);
  }

  /** Rebuilds from the stored models (all of them, as the mirror now holds them) and swaps the router's groups. */
  update(stored: readonly StoredModel[]): void {
    const built = new Map<string, { updatedAt: number; entry: ModelEntry }>();
    const fresh: StoredModel[] = [];
    for (const model of stored) {
      const id = model.config.id;
      if (this.#configIds.has(id)) {
        this.#options.logger.warn(
          { model: id },
          "models: a stored model has the id of a config model; the config model is served",
        );
        continue;
      }
      const previous = this.#built.get(id);
      if (previous && previous.updatedAt === model.updatedAt.getTime()) built.set(id, previous);
      else fresh.push(model);
    }
    const deployments = this.#buildEach(fresh);
    fresh.forEach((model, index) => {
      const deployment = deployments[index];
      if (!deployment) return;
      built.set(model.config.id, {
        updatedAt: model.updatedAt.getTime(),
        entry: { config: model.config, deployment, stored: true },
      });
    });
    // In the mirror's order (oldest first), whatever was rebuilt.
    const storedEntries = stored.flatMap((model) => built.get(model.config.id)?.entry ?? []);
    this.#built = built;
    this.#entries = [...this.#configEntries, ...storedEntries];
    this.#byId = new Map(this.#entries.map((entry) => [entry.config.id, entry]));
    this.#options.serve(this.#entries.map((entry) => entry.deployment));
  }

  /** One by one, so a model that cannot be built (it was checked when written) leaves out only itself. */
  #buildEach(models: readonly StoredModel[]): (Deployment | undefined)[] {
    return models.map((model) => {
      try {
        return this.#options.build([model.config])[0];
      } catch (error) {
        this.#options.logger.warn(
          { model: model.config.id, err: error instanceof Error ? error.message : String(error) },
          "models: a stored model cannot be built; not served",
        );
        return undefined;
      }
    });
  }
}
