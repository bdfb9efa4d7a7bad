import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { UpstreamClient } from "../../src/http/upstream-client.js";
import { ServedModels } from "../../src/models/served-models.js";
import { checkModel } from "../../src/models/stored-model.js";
import type { StoredModel } from "../../src/models/stored-models.js";
import { createLogger } from "../../src/observability/logger.js";
import { createProviderRegistry, providerNames } from "../../src/providers/registry.js";
import { buildDeployments } from "../../src/router/build-deployments.js";
import { MemoryRouterState } from "../../src/router/memory-router-state.js";
import { Router } from "../../src/router/router.js";

const config = parseConfig(
  `
model_list:
  - model_name: shared
    litellm_params: { model: openai/gpt-4o, api_key: sk-config }
    model_info: { id: config-one }
`,
  { source: "test.yaml", env: {}, knownProviders: providerNames },
);

function stored(id: string, modelName: string, updatedAt: number): StoredModel {
  const checked = checkModel(
    { id, modelName, litellmParams: { model: "openai/gpt-4o-mini", api_key: "sk-stored" }, modelInfo: {} },
    { env: {}, knownProviders: providerNames },
  );
  if (!("config" in checked)) throw new Error(checked.problems.join("; "));
  return { config: checked.config, createdAt: new Date(0), updatedAt: new Date(updatedAt) };
}

function servedWithRouter() {
  const providers = createProviderRegistry(new UpstreamClient(), {});
  const deployments = buildDeployments(config.modelList, providers, config.router);
  const router = new Router({ deployments, settings: config.router, state: new MemoryRouterState() });
  const served = new ServedModels({
    configList: config.modelList,
    configDeployments: deployments,
    build: (configs) => buildDeployments(configs, providers, config.router),
    serve: (all) => router.setDeployments(all),
    logger: createLogger("silent"),
  });
  return { router, served };
}

describe("ServedModels", () => {
  it("joins a stored model to the config group of its name, and makes new groups for new names", () => {
    const { router, served } = servedWithRouter();
    served.update([stored("stored-one", "shared", 1), stored("stored-two", "fresh", 1)]);
    expect(router.models.group("shared")?.ids).toEqual(["config-one", "stored-one"]);
    expect(router.models.group("fresh")?.ids).toEqual(["stored-two"]);
    expect(served.entries().map((entry) => [entry.config.id, entry.stored])).toEqual([
      ["config-one", false],
      ["stored-one", true],
      ["stored-two", true],
    ]);
    served.update([stored("stored-one", "shared", 1)]);
    expect(router.models.group("fresh")).toBeUndefined();
  });

  it("keeps an unchanged stored deployment's object across rebuilds, and builds a changed one anew", () => {
    const { router, served } = servedWithRouter();
    served.update([stored("stored-one", "shared", 1), stored("stored-two", "fresh", 1)]);
    const before = served.get("stored-one")?.deployment;
    const changedBefore = served.get("stored-two")?.deployment;
    served.update([stored("stored-one", "shared", 1), stored("stored-two", "fresh", 2)]);
    expect(served.get("stored-one")?.deployment).toBe(before);
    expect(served.get("stored-two")?.deployment).not.toBe(changedBefore);
    expect(router.models.group("shared")?.deployments).toContain(before);
  });

  it("serves the config model when a stored one has its id", () => {
    const { router, served } = servedWithRouter();
    served.update([stored("config-one", "elsewhere", 1)]);
    expect(served.get("config-one")?.stored).toBe(false);
    expect(router.models.group("elsewhere")).toBeUndefined();
    expect(served.isConfigModel("config-one")).toBe(true);
  });
});
