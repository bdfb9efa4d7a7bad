import { toJsonString } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeploymentSource,
  ListDeploymentsResponseSchema,
  ModelService,
} from "../../gen/switchyard/v1/model_pb.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { call, chatText, pgliteBackend, type StoreGateway, startModelGateway } from "./model-gateway.js";

const SECRET = "sk-connect-model-secret-0001";

async function codeOf(promise: Promise<unknown>): Promise<Code> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectError) return error.code;
    throw error;
  }
  throw new Error("the call succeeded");
}

describe("ModelService over Connect and gRPC (PGlite)", { timeout: 60_000 }, () => {
  const backend = pgliteBackend();
  let upstream: FakeOpenAI;
  let store: Store;
  let gateway: StoreGateway;
  let userKey: string;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    await backend.setUp();
    store = backend.open();
    gateway = await startModelGateway(
      `
model_list:
  - model_name: config-model
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}, api_key: sk-config-connect-key-00 }
    model_info: { id: config-one }
general_settings: { master_key: ${MASTER_KEY} }
`,
      { store },
    );
    userKey = (await call(`${gateway.url}/key/generate`, "POST", {})).body.key;
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await store?.close();
    await upstream?.close();
    await backend.tearDown();
  });

  const transports: Record<string, () => Transport> = {
    Connect: () => createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }),
    gRPC: () => createGrpcTransport({ baseUrl: gateway.url }),
  };
  const admin = { headers: { authorization: `Bearer ${MASTER_KEY}` } };

  for (const [name, transport] of Object.entries(transports)) {
    it(`creates, lists, reads, updates and deletes a deployment over ${name}, secrets masked`, async () => {
      const client: Client<typeof ModelService> = createClient(ModelService, transport());
      const id = `connect-${name}`;
      const created = await client.createDeployment(
        {
          deployment: {
            modelName: `model-${name}`,
            litellmParams: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: SECRET, rpm: 10 },
            modelInfo: { id, mode: "chat" },
          },
        },
        admin,
      );
      expect(created.deployment).toMatchObject({
        modelId: id,
        modelName: `model-${name}`,
        litellmParams: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: "sk****01", rpm: 10 },
        modelInfo: { id, db_model: true, mode: "chat" },
        source: DeploymentSource.STORE,
        createdBy: "default_user_id",
      });
      expect(created.deployment?.createTime).toBeDefined();
      expect(await chatText(gateway.url, MASTER_KEY, `model-${name}`)).toBe("echo: hi");

      const listed = await client.listDeployments({}, admin);
      expect(listed.deployments.map((deployment) => [deployment.modelId, deployment.source])).toEqual([
        ["config-one", DeploymentSource.CONFIG],
        [id, DeploymentSource.STORE],
      ]);
      const listedJson = toJsonString(ListDeploymentsResponseSchema, listed);
      expect(listedJson).not.toContain(SECRET);
      expect(listedJson).not.toContain("sk-config-connect-key");
      const config = await client.getDeployment({ modelId: "config-one" }, admin);
      expect(config.deployment?.litellmParams).toEqual({ model: "openai/gpt-4o", api_base: upstream.url });
      const group = await client.listDeployments({ modelName: `model-${name}` }, admin);
      expect(group.deployments.map((deployment) => deployment.modelId)).toEqual([id]);

      const updated = await client.updateDeployment(
        { modelId: id, litellmParams: { rpm: null, tpm: 500 }, modelInfo: { mode: null, note: "x" } },
        admin,
      );
      expect(updated.deployment?.litellmParams).toEqual({
        model: "openai/gpt-4o-mini",
        api_base: upstream.url,
        api_key: "sk****01",
        tpm: 500,
      });
      expect(updated.deployment?.modelInfo).toEqual({ id, db_model: true, note: "x" });
      // Params sent back as read (the key masked) keep the real key.
      await client.updateDeployment({ modelId: id, litellmParams: updated.deployment?.litellmParams }, admin);
      expect(await chatText(gateway.url, MASTER_KEY, `model-${name}`)).toBe("echo: hi");
      expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
      expect((await client.getDeployment({ modelId: id }, admin)).deployment?.litellmParams?.tpm).toBe(500);

      await client.deleteDeployment({ modelId: id }, admin);
      expect(await codeOf(client.getDeployment({ modelId: id }, admin))).toBe(Code.NotFound);
      await expect(chatText(gateway.url, MASTER_KEY, `model-${name}`)).rejects.toThrow();
    });
  }

  it("answers each refusal with its code", async () => {
    const client = createClient(ModelService, transports.Connect!());
    const user = { headers: { authorization: `Bearer ${userKey}` } };
    expect(await codeOf(client.listDeployments({}, user))).toBe(Code.PermissionDenied);
    expect(
      await codeOf(
        client.createDeployment(
          { deployment: { modelName: "x", litellmParams: { model: "openai/gpt-4o" } } },
          user,
        ),
      ),
    ).toBe(Code.PermissionDenied);
    expect(await codeOf(client.listDeployments({}))).toBe(Code.Unauthenticated);
    expect(
      await codeOf(
        client.createDeployment(
          { deployment: { modelName: "x", litellmParams: { model: "nope/x" } } },
          admin,
        ),
      ),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(client.createDeployment({ deployment: { modelName: "", litellmParams: {} } }, admin)),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(
        client.createDeployment(
          {
            deployment: { modelId: "config-one", modelName: "x", litellmParams: { model: "openai/gpt-4o" } },
          },
          admin,
        ),
      ),
    ).toBe(Code.AlreadyExists);
    expect(await codeOf(client.updateDeployment({ modelId: "config-one", modelName: "y" }, admin))).toBe(
      Code.FailedPrecondition,
    );
    expect(await codeOf(client.deleteDeployment({ modelId: "config-one" }, admin))).toBe(
      Code.FailedPrecondition,
    );
    expect(await codeOf(client.deleteDeployment({ modelId: "unknown" }, admin))).toBe(Code.NotFound);
    expect(await codeOf(client.updateDeployment({ modelId: "unknown", modelName: "y" }, admin))).toBe(
      Code.NotFound,
    );
    expect(await codeOf(client.getDeployment({ modelId: "x".repeat(300) }, admin))).toBe(
      Code.InvalidArgument,
    );
    expect(
      await codeOf(
        client.createDeployment(
          { deployment: { modelName: "m".repeat(300), litellmParams: { model: "openai/gpt-4o" } } },
          admin,
        ),
      ),
    ).toBe(Code.InvalidArgument);
    // An update that would break the deployment writes nothing.
    await client.createDeployment(
      { deployment: { modelId: "kept", modelName: "kept", litellmParams: { model: "openai/gpt-4o" } } },
      admin,
    );
    expect(
      await codeOf(client.updateDeployment({ modelId: "kept", litellmParams: { model: "nope/x" } }, admin)),
    ).toBe(Code.InvalidArgument);
    expect((await client.getDeployment({ modelId: "kept" }, admin)).deployment?.litellmParams?.model).toBe(
      "openai/gpt-4o",
    );
    await client.deleteDeployment({ modelId: "kept" }, admin);
  });
});

describe("models without a database, or with store_model_in_db: false", { timeout: 60_000 }, () => {
  let withoutStore: StoreGateway;
  let switchedOff: StoreGateway;
  const backend = pgliteBackend();
  let store: Store;

  beforeAll(async () => {
    const yaml = (extra: string) => `
model_list:
  - model_name: config-model
    litellm_params: { model: openai/gpt-4o, api_key: sk-config-nodb }
    model_info: { id: config-one }
general_settings: { master_key: ${MASTER_KEY}${extra} }
`;
    withoutStore = await startModelGateway(yaml(""));
    await backend.setUp();
    store = backend.open();
    switchedOff = await startModelGateway(yaml(", store_model_in_db: false"), { store });
  }, 60_000);
  afterAll(async () => {
    await withoutStore?.close();
    await switchedOff?.close();
    await store?.close();
    await backend.tearDown();
  });

  const newModel = { model_name: "x", litellm_params: { model: "openai/gpt-4o" } };

  it("answers LiteLLM's 'No DB Connected' without a database, and still lists config models", async () => {
    const refused = await call(`${withoutStore.url}/model/new`, "POST", newModel);
    expect(refused.status).toBe(500);
    expect(refused.body.error).toMatchObject({
      message: "No DB Connected. Here's how to do it - https://docs.litellm.ai/docs/proxy/virtual_keys",
      type: "auth_error",
      code: "500",
    });
    const client = createClient(
      ModelService,
      createConnectTransport({ baseUrl: withoutStore.url, httpVersion: "1.1" }),
    );
    const admin = { headers: { authorization: `Bearer ${MASTER_KEY}` } };
    const listed = await client.listDeployments({}, admin);
    expect(listed.deployments.map((deployment) => deployment.modelId)).toEqual(["config-one"]);
    expect(
      await codeOf(
        client.createDeployment(
          { deployment: { modelName: "x", litellmParams: { model: "openai/gpt-4o" } } },
          admin,
        ),
      ),
    ).toBe(Code.Unavailable);
    expect(await codeOf(client.deleteDeployment({ modelId: "config-one" }, admin))).toBe(
      Code.FailedPrecondition,
    );
  });

  it("answers LiteLLM's STORE_MODEL_IN_DB message when storing models is switched off", async () => {
    const refused = await call(`${switchedOff.url}/model/new`, "POST", newModel);
    expect(refused.status).toBe(500);
    expect(refused.body.error).toMatchObject({
      message: "Set `'STORE_MODEL_IN_DB='True'` in your env to enable this feature.",
      type: "auth_error",
      code: "500",
    });
  });
});
