import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "./deployment.js";
import { isModelPattern, type ModelPattern, modelPattern } from "./model-pattern.js";

/** Every deployment that answers to one model_name, arranged for routing once at start. */
export interface ModelGroup {
  readonly name: string;
  /** In configuration order. */
  readonly deployments: readonly Deployment[];
  readonly ids: readonly string[];
  /**
   * Deployments by `order`, lowest first; those without an order form the
   * last tier. A tier is used only when no deployment of an earlier one can
   * take the call (LiteLLM's litellm_params.order).
   */
  readonly tiers: readonly (readonly Deployment[])[];
  /** Whether any deployment has an rpm or tpm limit. */
  readonly hasRequestLimit: boolean;
  readonly hasTokenLimit: boolean;
  /** The longest `timeout` of its deployments, ms: the time retries in the group may take in all. */
  readonly timeoutMs: number;
  /** The longest `stream_timeout`, ms: the time retries of a stream may take to open it. */
  readonly streamTimeoutMs: number;
  /** The largest litellm_params.num_retries of its deployments; undefined: router_settings decides. */
  readonly numRetries?: number;
  /** Every model_info.access_groups name of its deployments. */
  readonly accessGroups: ReadonlySet<string>;
}

/** How many requested names' wildcard groups are kept ready; beyond, they are rebuilt per call. */
const RESOLVED_CACHE_LIMIT = 1024;

/** Names callers may use for a group besides its model_name (router_settings.model_group_alias). */
export type GroupAliases = ReadonlyMap<string, { readonly group: string; readonly hidden: boolean }>;

/**
 * The model groups of model_list, built once at start. A name resolves as
 * LiteLLM resolves it: an exact model_name, else a model_group_alias, else
 * the most specific wildcard group (`openai/*`, `claude-*`, `*`) matching it,
 * whose deployments then call the upstream with the requested name.
 */
export class ModelRouter {
  readonly #groups = new Map<string, ModelGroup>();
  readonly #aliases: GroupAliases;
  /** Wildcard groups, most specific first. */
  readonly #patterns: Array<{ pattern: ModelPattern; group: ModelGroup }> = [];
  readonly #resolved = new Map<string, ModelGroup>();

  constructor(deployments: readonly Deployment[], aliases: GroupAliases = new Map()) {
    this.#aliases = aliases;
    const byName = new Map<string, Deployment[]>();
    for (const deployment of deployments) {
      const list = byName.get(deployment.modelGroup) ?? [];
      list.push(deployment);
      byName.set(deployment.modelGroup, list);
    }
    for (const [name, list] of byName) {
      const group = groupOf(name, list);
      this.#groups.set(name, group);
      if (isModelPattern(name)) this.#patterns.push({ pattern: modelPattern(name), group });
    }
    this.#patterns.sort((a, b) => b.pattern.specificity - a.pattern.specificity);
  }

  /** Groups in configuration order (wildcard groups under their pattern). */
  get groups(): IterableIterator<ModelGroup> {
    return this.#groups.values();
  }

  /** Aliases shown in model listings, with their group. */
  *visibleAliases(): IterableIterator<[string, ModelGroup]> {
    for (const [alias, { group, hidden }] of this.#aliases) {
      const target = this.#groups.get(group);
      if (!hidden && target) yield [alias, target];
    }
  }

  /** The group serving this name: exact, alias, or wildcard (see the class comment). */
  group(name: string): ModelGroup | undefined {
    const exact = this.#groups.get(name) ?? this.#groups.get(this.#aliases.get(name)?.group ?? "");
    if (exact !== undefined || this.#patterns.length === 0) return exact;
    const resolved = this.#resolved.get(name);
    if (resolved !== undefined) return resolved;
    for (const { pattern, group } of this.#patterns) {
      const captures = pattern.match(name);
      if (captures === undefined) continue;
      const deployments = group.deployments.map((deployment) => deployment.resolve?.(captures) ?? deployment);
      const derived: ModelGroup = { ...group, deployments, tiers: tiersOf(deployments) };
      if (this.#resolved.size >= RESOLVED_CACHE_LIMIT) this.#resolved.clear();
      this.#resolved.set(name, derived);
      return derived;
    }
    return undefined;
  }

  /** The group, or 404 model_not_found. */
  require(name: string): ModelGroup {
    const group = this.group(name);
    if (!group) throw modelNotFound(name);
    return group;
  }
}

function groupOf(name: string, deployments: readonly Deployment[]): ModelGroup {
  const retries = deployments.flatMap((deployment) =>
    deployment.numRetries === undefined ? [] : [deployment.numRetries],
  );
  return {
    name,
    deployments,
    ids: deployments.map((deployment) => deployment.id),
    tiers: tiersOf(deployments),
    hasRequestLimit: deployments.some((deployment) => deployment.rpm !== undefined),
    hasTokenLimit: deployments.some((deployment) => deployment.tpm !== undefined),
    numRetries: retries.length > 0 ? Math.max(...retries) : undefined,
    timeoutMs: Math.max(...deployments.map((deployment) => deployment.timeoutMs)),
    streamTimeoutMs: Math.max(...deployments.map((deployment) => deployment.streamTimeoutMs)),
    accessGroups: new Set(deployments.flatMap((deployment) => deployment.accessGroups ?? [])),
  };
}

function tiersOf(deployments: readonly Deployment[]): Deployment[][] {
  const orders = [...new Set(deployments.map((deployment) => deployment.order ?? Number.POSITIVE_INFINITY))];
  orders.sort((a, b) => a - b);
  return orders.map((order) =>
    deployments.filter((deployment) => (deployment.order ?? Number.POSITIVE_INFINITY) === order),
  );
}

/**
 * OpenAI answers an unknown model with 404 `model_not_found`; we do the same
 * (LiteLLM answers 400), so the OpenAI SDK raises NotFoundError.
 */
export function modelNotFound(name: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `The model \`${echoedName(name)}\` does not exist or you do not have access to it.`,
    param: "model",
    errorCode: "model_not_found",
  });
}

/** Characters of a caller's model name an error repeats: enough to recognise it, never a megabyte. */
const ECHOED_NAME_CHARS = 64;

/** A caller-chosen name as errors repeat it: its start, marked when cut. */
export function echoedName(name: string): string {
  return name.length <= ECHOED_NAME_CHARS ? name : `${name.slice(0, ECHOED_NAME_CHARS)}…`;
}
