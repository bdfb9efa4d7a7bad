import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type GatewayProcess, runCli, spawnGateway } from "../helpers/spawn-gateway.js";

const run = promisify(execFile);

describe("the switchyard command", () => {
  it("starts on the demo config without any API key and answers from the mock model", async () => {
    const gateway = await spawnGateway([], { OPENAI_API_KEY: "" });
    try {
      const client = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const models = [];
      for await (const model of client.models.list()) models.push(model.id);
      expect(models).toContain("demo");
      expect(models).not.toContain("gpt-4o-mini");
      const completion = await client.chat.completions.create({
        model: "demo",
        messages: [{ role: "user", content: "hello" }],
      });
      expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it("refuses to start on a bad config, naming the bad key", async () => {
    const directory = await mkdtemp(join(tmpdir(), "switchyard-"));
    const path = join(directory, "bad.yaml");
    await writeFile(
      path,
      "model_list:\n  - model_name: ok\n    litellm_params: {model: openai/gpt-4o}\n  - model_name: broken\n    litellm_params: {model: gpt4}\n",
    );
    const { code, output } = await runCli(["--config", path]);
    expect(code).toBe(1);
    expect(output).toContain("model_list[1].litellm_params.model");
  });

  it("rejects unknown flags with usage", async () => {
    const { code, output } = await runCli(["--prot", "4000"]);
    expect(code).toBe(2);
    expect(output).toContain("Usage: switchyard");
  });
});

describe("a running gateway process", () => {
  let upstream: FakeOpenAI;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    const directory = await mkdtemp(join(tmpdir(), "switchyard-"));
    const path = join(directory, "config.yaml");
    await writeFile(
      path,
      [
        "model_list:",
        "  - model_name: trickle",
        "    litellm_params:",
        "      model: openai/slow-stream-40",
        `      api_base: ${upstream.url}`,
        "      api_key: sk-test",
      ].join("\n"),
    );
    gateway = await spawnGateway(["--config", path]);
  });
  afterAll(async () => {
    await gateway.stop("SIGKILL");
    await upstream.close();
  });

  it("answers LiteLLM's health probes without a key", async () => {
    const live = await fetch(`${gateway.url}/health/liveliness`);
    expect(live.status).toBe(200);
    expect(await live.json()).toBe("I'm alive!");
    const ready = await fetch(`${gateway.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "healthy" });
  });

  it("lists its services through gRPC reflection to buf curl", async () => {
    const { stdout } = await run(
      "node_modules/.bin/buf",
      ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-services", gateway.url],
      { timeout: 20_000 },
    );
    const services = stdout.trim().split("\n");
    expect(services).toEqual(
      expect.arrayContaining([
        "switchyard.v1.CompletionService",
        "switchyard.v1.CredentialService",
        "switchyard.v1.AgentService",
        "lf.a2a.v1.A2AService",
        "grpc.health.v1.Health",
      ]),
    );
  });

  it("answers a browser's CORS preflight for Connect and the REST shim", async () => {
    for (const path of ["/switchyard.v1.CompletionService/ListModels", "/v1/chat/completions"]) {
      const response = await fetch(`${gateway.url}${path}`, {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example.com",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,authorization,connect-protocol-version",
        },
      });
      expect(response.status).toBeLessThan(300);
      expect(response.headers.get("access-control-allow-origin")).toMatch(/\*|https:\/\/app\.example\.com/);
      expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    }
  });

  it("aborts the upstream request when a REST client disconnects mid-stream", async () => {
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "trickle",
        stream: true,
        messages: [{ role: "user", content: "one two three four five six seven eight nine ten" }],
      }),
      signal: controller.signal,
    });
    const aborted = upstream.nextAbort();
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const request = await aborted;
    expect(request.aborted).toBe(true);
  });

  it("on SIGTERM finishes the streams in flight, then refuses new connections and exits 0", async () => {
    const words = "alpha beta gamma delta epsilon zeta eta theta";
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "trickle", stream: true, messages: [{ role: "user", content: words }] }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let body = decoder.decode((await reader.read()).value);
    const exit = gateway.stop("SIGTERM");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      body += decoder.decode(value);
    }
    expect(body).toContain("data: [DONE]");
    const text = body
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => JSON.parse(line.slice(6)).choices[0]?.delta?.content ?? "")
      .join("");
    expect(text).toBe(`echo: ${words}`);
    expect(await exit).toBe(0);
    await expect(fetch(`${gateway.url}/health/liveliness`)).rejects.toThrow();
    await expect(
      new Promise((resolve, reject) => {
        const session = http2.connect(gateway.url);
        session.on("error", reject);
        session.on("connect", resolve);
      }),
    ).rejects.toThrow();
  });
});
