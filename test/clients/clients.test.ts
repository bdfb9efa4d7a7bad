import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { pgliteBackend, type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { clientLanguages } from "./client-languages.js";

/**
 * The clients (src/client for TypeScript, clients/ for Python and Go), each driven as a user
 * would drive it: a small program (test/clients/<language>/) run as a subprocess against a
 * real gateway, with the key in SWITCHYARD_API_KEY; it prints the outcome as JSON.
 */
const UPSTREAM_KEY = "sk-upstream-clients";
let upstream: FakeOpenAI;
let running: StoreGateway;
let store: Store;
const backend = pgliteBackend();

beforeAll(async () => {
  upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
  const model = (name: string, upstreamModel: string) =>
    `  - model_name: ${name}\n    litellm_params: { model: openai/${upstreamModel}, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY} }`;
  await backend.setUp();
  store = backend.open();
  running = await startStoreGateway(
    [
      `general_settings: { master_key: ${MASTER_KEY} }`,
      "model_list:",
      model("gpt-test", "gpt-4o-mini"),
      model("embedder", "text-embedding-3-small"),
      model("bad-request", "error-400"),
      model("hanging", "hang"),
      "agents:",
      "  - agent_name: echo",
      "    agent_card_params: { name: Echo, description: Echoes through the router }",
      "    litellm_params: { model: gpt-test }",
    ].join("\n"),
    { store },
  );
  await Promise.all([running.gateway.agentsReady, running.gateway.modelsReady]);
}, 60_000);

afterAll(async () => {
  await running?.close();
  await store?.close();
  await backend.tearDown();
  await upstream?.close();
});

const missing = await Promise.all(clientLanguages.map((language) => language.unavailable()));
missing.forEach((reason, index) => {
  if (reason) console.warn(`${clientLanguages[index]!.name} client tests skipped: ${reason}`);
});
const languages = clientLanguages.map((language, index) => ({ language, missing: missing[index] }));

describe.each(languages)("the $language.name client", ({ language, missing }) => {
  // Each test starts a process (an interpreter, or tsx compiling TypeScript): seconds on a loaded machine.
  describe.skipIf(missing !== undefined)("", { timeout: 30_000 }, () => {
    const target = () => new URL(running.url).host;
    const run = (args: string[], apiKey = MASTER_KEY) => language.run([target(), ...args], apiKey);

    beforeAll(() => language.prepare(), 180_000);
    afterAll(() => language.cleanUp());

    it("answers a chat, with the route metadata as typed fields", async () => {
      const result = await run(["chat", "gpt-test", "hello from a generated client"]);
      expect(result).toMatchObject({
        text: "echo: hello from a generated client",
        route: { modelGroup: "gpt-test", attemptedRetries: 0 },
      });
      const { route, totalTokens } = result as {
        route: { callId: string; overheadMs: number };
        totalTokens: number;
      };
      expect(route.callId).toMatch(/\S/);
      expect(route.overheadMs).toBeGreaterThanOrEqual(0);
      expect(totalTokens).toBeGreaterThan(0);
    });

    it("streams a chat in several chunks and assembles the text", async () => {
      const result = await run(["stream", "gpt-test", "one two three four five"]);
      expect(result).toMatchObject({
        text: "echo: one two three four five",
        route: { modelGroup: "gpt-test" },
      });
      expect((result as { deltas: number }).deltas).toBeGreaterThan(2);
    });

    it("embeds several texts, one vector each", async () => {
      const result = (await run(["embed", "embedder", "first", "second"])) as {
        count: number;
        dimensions: number[];
      };
      expect(result.count).toBe(2);
      expect(result.dimensions[0]).toBeGreaterThan(0);
      expect(result.dimensions[1]).toBe(result.dimensions[0]);
    });

    it("stores a credential through the generated CredentialService stub and reads it back masked", async () => {
      const name = `cred-${language.name}-${randomUUID().slice(0, 8)}`;
      const result = await run(["credential", name, "sk-secret-value-1234"]);
      expect(result).toEqual({ name, values: { api_key: "sk****34" } });
    });

    it("stores a model through the generated ModelService stub, calls it, and deletes it", async () => {
      const name = `model-${language.name}-${randomUUID().slice(0, 8)}`;
      expect(await run(["model", name, upstream.url, UPSTREAM_KEY])).toEqual({
        apiKey: "sk****ts",
        text: "echo: stored",
      });
    });

    it("sends a message to an agent through the generated AgentService stub", async () => {
      expect(await run(["agent", "echo", "hello agent"])).toEqual({
        state: "TASK_STATE_COMPLETED",
        text: "echo: hello agent",
      });
    });

    it("maps failures to gRPC codes with messages that read cleanly", async () => {
      const [unauthenticated, notFound, invalid] = await Promise.all([
        run(["chat", "gpt-test", "x"], ""),
        run(["chat", "no-such-model", "x"]),
        run(["chat", "bad-request", "x"]),
      ]);
      expect(unauthenticated).toEqual({
        code: "UNAUTHENTICATED",
        details: "No API key provided. Send it as 'Authorization: Bearer <key>'.",
      });
      expect(notFound).toMatchObject({
        code: "NOT_FOUND",
        details: expect.stringContaining("no-such-model"),
      });
      expect(invalid).toEqual({
        code: "INVALID_ARGUMENT",
        details: "Invalid value for 'temperature': must be between 0 and 2.",
      });
    });

    it("honours the client's deadline: the gateway closes the upstream call", async () => {
      const aborted = upstream.nextAbort();
      expect(await run(["deadline", "hanging", "0.5"])).toMatchObject({ code: "DEADLINE_EXCEEDED" });
      const request = await aborted;
      expect((request.body as { model: string }).model).toBe("hang");
    });
  });
});
