import * as http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const KEY = "sk-a2a-limit-master";

/** One request over `agent`; resolves with the status and the body text. */
function send(
  agent: http.Agent,
  url: string,
  options: { method: string; path: string; body?: Buffer },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}${options.path}`,
      {
        agent,
        method: options.method,
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    // The server may answer and close before the whole body is written.
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    request.end(options.body);
  });
}

describe("the A2A door's body limit", { timeout: 60_000 }, () => {
  let upstream: FakeOpenAI;
  let running: RunningGateway;
  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    running = await startGateway(
      [
        `general_settings: { master_key: ${KEY} }`,
        "model_list:",
        `  - model_name: chat`,
        `    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }`,
        "agents:",
        "  - agent_name: echo",
        "    agent_card_params: { name: Echo, description: Echoes }",
        "    litellm_params: { model: chat }",
        "",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await running?.close();
    await upstream?.close();
  });

  it("answers a 9 MB body with a 413 JSON-RPC error and the next pooled request still works", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = Buffer.alloc(9 * 1024 * 1024, 0x20);
      const refused = await send(agent, running.url, { method: "POST", path: "/a2a/echo", body });
      expect(refused.status).toBe(413);
      const error = (JSON.parse(refused.text) as { error: { code: number; message: string } }).error;
      expect(error.code).toBe(-32600);
      expect(error.message).toContain("larger than");

      const card = await send(agent, running.url, {
        method: "GET",
        path: "/a2a/echo/.well-known/agent-card.json",
      });
      expect(card.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
