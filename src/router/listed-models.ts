import { modelCatalog } from "../catalog/model-catalog.js";
import { fillPattern, isModelPattern } from "./model-pattern.js";
import type { ModelGroup, ModelRouter } from "./model-router.js";

/** Catalog modes a model listing shows: what the gateway's doors serve. */
const listedModes = new Set(["chat", "completion", "embedding"]);

/**
 * The names /v1/models lists, each with the group serving it: model_names,
 * visible model_group_alias names, and for a wildcard group the models
 * LiteLLM's map knows for its provider (`openai/*` lists `openai/gpt-4o`, …,
 * as LiteLLM's proxy expands wildcard routes). A wildcard that cannot be
 * expanded (`*` inferring the provider per request, `claude-*`) is listed as
 * written, so callers still see that it exists.
 */
export function listedModels(models: ModelRouter): Array<[string, ModelGroup]> {
  const listed: Array<[string, ModelGroup]> = [];
  const seen = new Set<string>();
  const add = (name: string, group: ModelGroup) => {
    if (seen.has(name)) return;
    seen.add(name);
    listed.push([name, group]);
  };
  for (const group of models.groups) if (!isModelPattern(group.name)) add(group.name, group);
  for (const [alias, group] of models.visibleAliases()) add(alias, group);
  for (const group of models.groups) {
    if (!isModelPattern(group.name)) continue;
    const names = expand(group);
    if (names.length === 0) add(group.name, group);
    for (const name of names) add(name, group);
  }
  return listed;
}

function expand(group: ModelGroup): string[] {
  const deployment = group.deployments[0];
  if (deployment === undefined || deployment.resolve === undefined) return [];
  const provider = deployment.providerName;
  // Only a whole-name wildcard (`openai/*` → model `*`) maps the catalog's names one to one.
  if (provider === "*" || deployment.target().model !== "*" || !group.name.endsWith("*")) return [];
  const catalog = modelCatalog();
  const prefix = `${provider}/`;
  const names: string[] = [];
  for (const name of catalog.namesOf(provider)) {
    if (!listedModes.has(catalog.get(name)?.mode ?? "")) continue;
    names.push(fillPattern(group.name, [name.startsWith(prefix) ? name.slice(prefix.length) : name]));
  }
  return names;
}
