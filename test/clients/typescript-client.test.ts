import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwitchyardClient, type RouteMetadata } from "../../src/client/index.js";
import { type Fixture, MASTER_KEY, startFixture } from "../helpers/fixture.js";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await startFixture();
});
afterAll(() => fixture.close());

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (reason: unknown) => ConnectError.from(reason),
  );

describe("the TypeScript client (src/client, exported as switchyard/client)", () => {
  it("takes the key from SWITCHYARD_API_KEY and reads the route metadata of a chat", async () => {
    process.env.SWITCHYARD_API_KEY = MASTER_KEY;
    try {
      const client = createSwitchyardClient(createGrpcTransport({ baseUrl: fixture.gateway.url }));
      const reply = await client.chat("gpt-test", "hello from typescript");
      expect(reply.text).toBe("echo: hello from typescript");
      expect(reply.route).toMatchObject({
        modelGroup: "gpt-test",
        attemptedRetries: 0,
        attemptedFallbacks: 0,
      });
      expect(reply.route.callId).toBe(reply.completion.route?.callId);
      expect(reply.route.overheadMs).toBeGreaterThanOrEqual(0);
    } finally {
      delete process.env.SWITCHYARD_API_KEY;
    }
  });

  it("streams text over gRPC-web, told the route before the first chunk", async () => {
    const client = createSwitchyardClient(
      createGrpcWebTransport({ baseUrl: fixture.gateway.url, httpVersion: "1.1" }),
      { apiKey: MASTER_KEY },
    );
    let route: RouteMetadata | undefined;
    let chunks = 0;
    for await (const _chunk of client.streamChat("gpt-test", "one two three", {
      onRoute: (received) => (route = received),
    })) {
      if (chunks++ === 0) expect(route?.modelGroup).toBe("gpt-test");
    }
    expect(chunks).toBeGreaterThan(2);
    const deltas: string[] = [];
    for await (const text of client.streamText("gpt-test", "four five six")) deltas.push(text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe("echo: four five six");
  });

  it("embeds, and maps failures to Connect codes", async () => {
    const client = createSwitchyardClient(createGrpcTransport({ baseUrl: fixture.gateway.url }), {
      apiKey: MASTER_KEY,
    });
    const vectors = await client.embed("gpt-test", ["a", "b"]);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]!.length).toBeGreaterThan(0);
    const anonymous = createSwitchyardClient(createGrpcTransport({ baseUrl: fixture.gateway.url }), {
      apiKey: "",
    });
    expect((await failure(anonymous.chat("gpt-test", "x")))?.code).toBe(Code.Unauthenticated);
    expect((await failure(client.chat("no-such-model", "x")))?.code).toBe(Code.NotFound);
    expect((await failure(client.chat("gpt-test", { messages: [] })))?.code).toBe(Code.InvalidArgument);
  });

  it("passes its deadline on: the gateway closes the upstream call", async () => {
    const client = createSwitchyardClient(createGrpcTransport({ baseUrl: fixture.gateway.url }), {
      apiKey: MASTER_KEY,
    });
    const aborted = fixture.upstream.nextAbort();
    expect((await failure(client.chat("hanging", "x", { timeoutMs: 300 })))?.code).toBe(
      Code.DeadlineExceeded,
    );
    expect(((await aborted).body as { model: string }).model).toBe("hang");
  });

  it("bundles for browsers: no Node module in its imports", async () => {
    const result = await build({
      entryPoints: ["src/client/index.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]?.text).toContain("x-litellm-model-group");
  });
});
