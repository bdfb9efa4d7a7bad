import { createHash } from "node:crypto";
import { connect } from "node:http2";
import { TRPCClientError } from "@trpc/client";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  type AdminGateway,
  adminClient,
  eventually,
  startAdminGateway,
  UPSTREAM_KEY,
} from "./admin-gateway.js";

// The embedded Postgres takes seconds to create, more on a busy machine.
vi.setConfig({ hookTimeout: 120_000, testTimeout: 30_000 });

let running: AdminGateway;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  running = await startAdminGateway();
  admin = adminClient(running.url);
});
afterAll(() => running?.close());

/** What a tRPC call failed with: its tRPC code, message and data, as the typed client sees them. */
async function failure(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    return {
      code: error.data?.code as string,
      httpStatus: error.data?.httpStatus as number,
      reason: error.data?.reason as string | undefined,
      message: error.message,
      data: error.data as Record<string, unknown>,
    };
  }
  throw new Error("the call succeeded");
}

function chat(key: string, model: string, content: string) {
  const client = new OpenAI({ apiKey: key, baseURL: `${running.url}/v1`, maxRetries: 0 });
  return client.chat.completions.create({ model, messages: [{ role: "user", content }] });
}

describe("who may call the admin API", () => {
  it("refuses a caller without a key with UNAUTHORIZED", async () => {
    const refused = await failure(adminClient(running.url, null).models.list.query());
    expect(refused).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401, reason: "missing_api_key" });
    expect(refused.message).toMatch(/No API key provided/);
  });

  it("refuses a wrong key with UNAUTHORIZED", async () => {
    const refused = await failure(adminClient(running.url, "sk-not-a-key").keys.list.query({}));
    expect(refused).toMatchObject({ code: "UNAUTHORIZED", reason: "invalid_api_key" });
  });

  it("refuses a virtual key that is not an admin's with FORBIDDEN", async () => {
    const { key } = await admin.keys.generate.mutate({ keyAlias: "team-a" });
    const refused = await failure(adminClient(running.url, key).credentials.list.query());
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.httpStatus).toBe(403);
    expect(refused.message).toMatch(/proxy_admin/);
  });

  it("accepts an admin virtual key (metadata.role proxy_admin) and the master key", async () => {
    const { key, info } = await admin.keys.generate.mutate({
      keyAlias: "ops",
      metadata: { role: "proxy_admin" },
    });
    expect(await adminClient(running.url, key).session.whoami.query()).toEqual({
      kind: "admin_key",
      keyName: info.keyName,
      keyAlias: "ops",
    });
    expect(await admin.session.whoami.query()).toEqual({ kind: "master" });
  });
});

describe("the door itself", () => {
  it("answers over HTTP/2 (h2c) on the same port, as over HTTP/1.1", async () => {
    const session = connect(running.url);
    try {
      const stream = session.request({
        ":method": "GET",
        ":path": "/trpc/session.whoami",
        authorization: `Bearer ${MASTER_KEY}`,
      });
      stream.setEncoding("utf8");
      let body = "";
      for await (const chunk of stream) body += chunk;
      expect(JSON.parse(body)).toEqual({ result: { data: { kind: "master" } } });
    } finally {
      session.close();
    }
  });

  it("refuses a batch of more than ten calls", async () => {
    const paths = Array.from({ length: 11 }, () => "session.whoami").join(",");
    const response = await fetch(`${running.url}/trpc/${paths}?batch=1&input={}`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    expect(response.status).toBe(400);
  });

  it("answers an unknown procedure with NOT_FOUND", async () => {
    const response = await fetch(`${running.url}/trpc/keys.nope`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { data: { code: "NOT_FOUND" } } });
  });
});

describe("models and deployments", () => {
  it("lists every model group with its deployments, and no upstream secret", async () => {
    const models = await admin.models.list.query();
    expect(models.map((model) => model.id)).toEqual([
      "gpt-test",
      "spend-probe",
      "server-error",
      "slow-stream",
    ]);
    expect(models[0]!.deployments).toEqual([
      expect.objectContaining({ provider: "openai", upstreamModel: "gpt-4o-mini", inputPerMillion: 0.15 }),
    ]);
    expect(JSON.stringify(models)).not.toContain(UPSTREAM_KEY);
  });

  it("tests a deployment: the reply and its latency, or the upstream's error as a result", async () => {
    const [gpt] = await admin.models.list.query();
    const passed = await admin.models.test.mutate({
      model: "gpt-test",
      deploymentId: gpt!.deployments[0]!.id,
    });
    expect(passed).toMatchObject({ ok: true, model: "gpt-test", reply: "echo: Say OK." });
    expect(passed.latencyMs).toBeGreaterThanOrEqual(0);

    const failed = await admin.models.test.mutate({ model: "server-error" });
    expect(failed).toMatchObject({ ok: false, error: { code: "Unavailable" } });
    expect(failed.error?.message).toMatch(/server had an error|overloaded/);
  });

  it("answers NOT_FOUND for a model group that does not exist", async () => {
    expect(await failure(admin.models.test.mutate({ model: "no-such-model" }))).toMatchObject({
      code: "NOT_FOUND",
      reason: "model_not_found",
    });
  });

  it("shows a deployment cooling down after it failed", async () => {
    await admin.models.test.mutate({ model: "server-error" });
    const health = await admin.health.deployments.query();
    const failing = health.filter((deployment) => deployment.modelGroup === "server-error");
    expect(failing).toHaveLength(2);
    expect(failing.some((deployment) => deployment.coolingDown)).toBe(true);
    expect(health.find((deployment) => deployment.modelGroup === "gpt-test")?.coolingDown).toBe(false);
  });
});

describe("stored models through tRPC", () => {
  it("creates a deployment that serves at once, lists it beside the config ones, updates and deletes it", async () => {
    const created = await admin.models.create.mutate({
      modelName: "console-made",
      params: { model: "openai/gpt-4o-mini", api_base: running.upstream.url, api_key: UPSTREAM_KEY },
      info: { mode: "chat" },
      id: "console-one",
    });
    expect(created).toMatchObject({
      id: "console-one",
      modelName: "console-made",
      params: { model: "openai/gpt-4o-mini", api_key: "sk****st" },
      info: { id: "console-one", db_model: true, mode: "chat" },
      source: "db",
      createdBy: "default_user_id",
    });
    expect((await chat(MASTER_KEY, "console-made", "made in the console")).choices[0]?.message.content).toBe(
      "echo: made in the console",
    );
    const deployments = await admin.models.deployments.query();
    expect(deployments.find((deployment) => deployment.id === "console-one")?.source).toBe("db");
    expect(deployments.filter((deployment) => deployment.source === "config")).toHaveLength(5);
    expect(JSON.stringify(deployments)).not.toContain(UPSTREAM_KEY);
    const groups = await admin.models.list.query();
    expect(groups.map((group) => group.id)).toContain("console-made");

    const updated = await admin.models.update.mutate({ id: "console-one", params: { rpm: 5 } });
    expect(updated.params).toMatchObject({ rpm: 5, api_key: "sk****st" });

    const configId = deployments.find((deployment) => deployment.source === "config")!.id;
    expect(await failure(admin.models.delete.mutate({ id: configId }))).toMatchObject({
      code: "PRECONDITION_FAILED",
      reason: "model_in_config",
    });
    expect(
      await failure(admin.models.create.mutate({ modelName: "x", params: { model: "nope/x" } })),
    ).toMatchObject({ code: "BAD_REQUEST" });
    expect(await admin.models.delete.mutate({ id: "console-one" })).toEqual({ deleted: "console-one" });
    await expect(chat(MASTER_KEY, "console-made", "gone")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("virtual keys through tRPC", () => {
  it("generates, lists (never the value), updates, blocks, regenerates and deletes a key", async () => {
    const created = await admin.keys.generate.mutate({
      keyAlias: "lifecycle",
      models: ["gpt-test"],
      maxBudget: 5,
      rpmLimit: 10,
    });
    expect(created.key).toMatch(/^sk-/);
    const tokenId = createHash("sha256").update(created.key).digest("hex");
    expect(created.info).toMatchObject({
      tokenId,
      keyAlias: "lifecycle",
      models: ["gpt-test"],
      rpmLimit: 10,
    });

    const listed = await admin.keys.list.query({});
    expect(listed.find((key) => key.tokenId === tokenId)).toMatchObject({
      keyName: `sk-...${created.key.slice(-4)}`,
      maxBudget: 5,
      blocked: false,
    });
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(JSON.stringify(await admin.keys.info.query({ key: tokenId }))).not.toContain(created.key);

    expect(
      await admin.keys.update.mutate({ key: tokenId, keyAlias: "renamed", tpmLimit: 1000 }),
    ).toMatchObject({
      keyAlias: "renamed",
      tpmLimit: 1000,
      rpmLimit: 10,
    });

    expect((await admin.keys.block.mutate({ key: tokenId })).blocked).toBe(true);
    await expect(chat(created.key, "gpt-test", "hi")).rejects.toMatchObject({ status: 401 });
    expect((await admin.keys.unblock.mutate({ key: created.key })).blocked).toBe(false);
    await chat(created.key, "gpt-test", "hi");

    const regenerated = await admin.keys.regenerate.mutate({ key: tokenId });
    expect(regenerated.key).not.toBe(created.key);
    expect(regenerated.info.keyAlias).toBe("renamed");
    await expect(chat(created.key, "gpt-test", "hi")).rejects.toMatchObject({ status: 401 });
    await chat(regenerated.key, "gpt-test", "hi");

    const { deletedTokenIds } = await admin.keys.delete.mutate({ keys: [regenerated.key] });
    expect(deletedTokenIds).toEqual([regenerated.info.tokenId]);
    expect((await admin.keys.list.query({})).map((key) => key.keyAlias)).not.toContain("renamed");
  });

  it("says which field is wrong, in the caller's terms", async () => {
    expect(await failure(admin.keys.generate.mutate({ rpmLimit: -1 }))).toMatchObject({
      code: "BAD_REQUEST",
      message: "rpmLimit must be a whole number, zero or more",
    });
    const unknown = await failure(admin.keys.info.query({ key: "sk-unknown" }));
    expect(unknown.code).toBe("NOT_FOUND");
    // A service error carries its message and reason, never a stack trace.
    expect(unknown.data.stack).toBeUndefined();
    expect(unknown.message).not.toMatch(/\n\s+at /);
  });
});

describe("credentials through tRPC", () => {
  it("shows values masked on every answer, and rotates them", async () => {
    const secret = "sk-live-credential-0123456789";
    const created = await admin.credentials.create.mutate({
      name: "azure-east",
      values: { api_key: secret, api_base: "https://east.example.com" },
      info: { custom_llm_provider: "azure" },
    });
    expect(created.maskedValues.api_key).toBe("sk****89");
    expect(created.info).toEqual({ custom_llm_provider: "azure" });

    const rotated = await admin.credentials.update.mutate({
      name: "azure-east",
      values: { api_key: "new-secret-value-9876" },
    });
    expect(rotated.maskedValues.api_key).toBe("ne****76");

    const listed = await admin.credentials.list.query();
    // LiteLLM's rule: api_base is not a secret and is shown.
    expect(listed.find((credential) => credential.name === "azure-east")?.maskedValues).toEqual({
      api_key: "ne****76",
      api_base: "https://east.example.com",
    });
    expect(JSON.stringify(listed)).not.toMatch(/0123456789|secret-value/);

    await admin.credentials.delete.mutate({ name: "azure-east" });
    expect(await failure(admin.credentials.delete.mutate({ name: "azure-east" }))).toMatchObject({
      code: "NOT_FOUND",
      reason: "credential_not_found",
    });
  });
});

describe("config credentials, model credentials and renames through tRPC", () => {
  it("lists config credentials as read-only and refuses to change them, naming the config file", async () => {
    const listed = await admin.credentials.list.query();
    expect(listed.find((credential) => credential.name === "config-credential")).toMatchObject({
      source: "config",
      maskedValues: { api_key: "sk****76" },
    });
    expect(
      await failure(admin.credentials.update.mutate({ name: "config-credential", values: { api_key: "x" } })),
    ).toMatchObject({ reason: "credential_in_config", message: expect.stringContaining("test.yaml") });
    expect(await failure(admin.credentials.delete.mutate({ name: "config-credential" }))).toMatchObject({
      reason: "credential_in_config",
    });
  });

  it("copies a deployment's credentials, renames the copy and removes a key", async () => {
    const [model] = await admin.models.list.query();
    const deploymentId = model!.deployments[0]!.id;
    const own = await admin.credentials.byModel.query({ modelId: deploymentId });
    expect(own).toMatchObject({
      name: `gpt-test-credential-${deploymentId}`,
      maskedValues: { api_key: "sk****st", api_base: running.upstream.url },
    });
    const copied = await admin.credentials.create.mutate({
      name: "copied-from-model",
      modelId: deploymentId,
    });
    expect(copied).toMatchObject({ source: "db", maskedValues: own.maskedValues });
    const renamed = await admin.credentials.update.mutate({
      name: "copied-from-model",
      newName: "copied-renamed",
      removedKeys: ["api_base"],
    });
    expect(renamed).toMatchObject({ name: "copied-renamed", maskedValues: { api_key: "sk****st" } });
    expect(Object.keys(renamed.maskedValues)).toEqual(["api_key"]);
    await admin.credentials.delete.mutate({ name: "copied-renamed" });
  });

  it("refuses a salt-key rotation with a wrong old key", async () => {
    expect(
      await failure(
        admin.credentials.rotateSaltKey.mutate({ oldSaltKey: "not-it", newSaltKey: "new-one-here" }),
      ),
    ).toMatchObject({ reason: "wrong_salt_key" });
  });
});

describe("agents and prompts through tRPC", () => {
  it("creates, lists and deletes a model-backed agent", async () => {
    const created = await admin.agents.create.mutate({
      name: "helper",
      cardParams: { name: "helper", description: "Answers questions" },
      litellmParams: { model: "gpt-test" },
    });
    expect(created).toMatchObject({ name: "helper", source: "store", litellmParams: { model: "gpt-test" } });
    expect((await admin.agents.list.query()).map((agent) => agent.name)).toContain("helper");
    await admin.agents.delete.mutate({ name: "helper" });
    expect((await admin.agents.list.query()).map((agent) => agent.name)).not.toContain("helper");
  });

  it("lists the prompts and renders one without calling a model", async () => {
    const prompts = await admin.prompts.list.query();
    expect(prompts).toEqual([expect.objectContaining({ id: "greet", source: "config" })]);
    const requestsBefore = running.upstream.requests.length;
    expect(await admin.prompts.render.mutate({ id: "greet", variables: { name: "Ada" } })).toMatchObject({
      messages: [{ role: "user", text: "Hello Ada!" }],
    });
    expect(running.upstream.requests.length).toBe(requestsBefore);
  });
});

describe("spend and the request log", () => {
  it("totals spend by model, day and key once the spend log is written", async () => {
    const { key } = await admin.keys.generate.mutate({ keyAlias: "spender" });
    const marker = "spend-probe-message-text";
    for (let index = 0; index < 3; index++) await chat(key, "spend-probe", `${marker} ${index}`);

    // The spend log writes in batches (every 100 ms here): poll for the rows, with a deadline.
    const probe = await eventually(async () => {
      const totals = await admin.spend.byModel.query({});
      return totals.find((total) => total.model === "spend-probe" && total.requests === 3);
    });
    expect(probe.spend).toBeGreaterThan(0);
    expect(probe.promptTokens).toBeGreaterThan(0);

    const byKey = await admin.spend.byKey.query({});
    expect(byKey.find((total) => total.keyAlias === "spender")).toMatchObject({ requests: 3 });
    const today = new Date().toISOString().slice(0, 10);
    expect((await admin.spend.byDay.query({})).map((total) => total.day)).toContain(today);

    const recent = await admin.logs.recent.query({ limit: 10 });
    expect(recent[0]).toMatchObject({ model: "spend-probe", status: "success", statusCode: 200 });
    expect(JSON.stringify(recent)).not.toContain(marker);
  });

  it("refuses a window that ends before it starts", async () => {
    expect(await failure(admin.spend.byDay.query({ from: "2026-11-02", to: "2026-11-01" }))).toMatchObject({
      code: "BAD_REQUEST",
      message: "from must be before to",
    });
  });
});
