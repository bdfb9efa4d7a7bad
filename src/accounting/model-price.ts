import { modelCatalog } from "../catalog/model-catalog.js";
import type { DeploymentConfig } from "../config/config-types.js";
import { type ListPrice, PRICE_TABLE } from "./price-table.js";

/** What one token costs a deployment, in US dollars. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** Token counts as the gateway's Usage has them: prompt tokens include cached and cache-written ones. */
export interface TokenCounts {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly cacheCreationTokens: number;
}

/** LiteLLM's per-deployment price keys, read from model_info, else litellm_params. */
const OVERRIDE_KEYS = {
  input: "input_cost_per_token",
  output: "output_cost_per_token",
  cacheRead: "cache_read_input_token_cost",
  cacheWrite: "cache_creation_input_token_cost",
} as const;

/** Keys that only price a deployment: never sent upstream. */
export const PRICE_KEYS: ReadonlySet<string> = new Set(Object.values(OVERRIDE_KEYS));

/**
 * A deployment's price, decided once at start: the bundled list price of its
 * upstream model, with any key set in model_info or litellm_params taking
 * precedence. Undefined when neither knows the model (cost then stays unset
 * rather than reading as free).
 */
export function priceOf(entry: DeploymentConfig): ModelPrice | undefined {
  const list =
    listPrice(entry.params.providerModel) ?? catalogPrice(entry.params.provider, entry.params.providerModel);
  const override = (key: keyof typeof OVERRIDE_KEYS): number | undefined => {
    const name = OVERRIDE_KEYS[key];
    const value = entry.modelInfo[name] ?? entry.params.extra[name];
    const number = typeof value === "string" ? Number(value) : value;
    return typeof number === "number" && Number.isFinite(number) && number >= 0 ? number : undefined;
  };
  const input = override("input") ?? perToken(list?.input);
  const output = override("output") ?? perToken(list?.output);
  if (input === undefined || output === undefined) return undefined;
  return {
    input,
    output,
    cacheRead: override("cacheRead") ?? perToken(list?.cacheRead) ?? input,
    cacheWrite: override("cacheWrite") ?? perToken(list?.cacheWrite) ?? input,
  };
}

/** US dollars for one call's tokens. */
export function costOf(price: ModelPrice, usage: TokenCounts): number {
  const freshPrompt = Math.max(0, usage.promptTokens - usage.cachedTokens - usage.cacheCreationTokens);
  return (
    freshPrompt * price.input +
    usage.cachedTokens * price.cacheRead +
    usage.cacheCreationTokens * price.cacheWrite +
    usage.completionTokens * price.output
  );
}

/**
 * The list price of an upstream model name: exact, else without its date
 * suffix ("claude-sonnet-4-20250514", "gpt-4o-2024-08-06") or "-latest",
 * else without an org prefix ("openai/gpt-4o" on a router-style provider).
 */
export function listPrice(model: string): ListPrice | undefined {
  const name = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  return (
    PRICE_TABLE.get(name) ??
    PRICE_TABLE.get(name.replace(/-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/, "")) ??
    PRICE_TABLE.get(name.replace(/@.*$/, ""))
  );
}

/**
 * The price LiteLLM's model map (the bundled catalog) gives the model, under
 * its own name or `provider/name` (as the map keys groq, mistral, …), per
 * million tokens like the table's. The hand-checked table above wins.
 */
function catalogPrice(provider: string, model: string): ListPrice | undefined {
  const catalog = modelCatalog();
  const known = catalog.get(`${provider}/${model}`) ?? catalog.get(model);
  if (known?.inputCostPerToken === undefined || known.outputCostPerToken === undefined) return undefined;
  const perMillion = (value: number | undefined) => (value === undefined ? undefined : value * 1_000_000);
  return {
    input: known.inputCostPerToken * 1_000_000,
    output: known.outputCostPerToken * 1_000_000,
    cacheRead: perMillion(known.cacheReadCostPerToken),
    cacheWrite: perMillion(known.cacheWriteCostPerToken),
  };
}

function perToken(perMillion: number | undefined): number | undefined {
  return perMillion === undefined ? undefined : perMillion / 1_000_000;
}
