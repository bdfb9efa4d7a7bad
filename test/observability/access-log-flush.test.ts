import { once } from "node:events";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";

const gateways: GatewayProcess[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.stop("SIGKILL");
});

describe("the access log, written asynchronously", { timeout: 60_000 }, () => {
  it("loses no line when the gateway is stopped with SIGTERM right after answering", async () => {
    // The demo config answers without a key; stdout is a pipe, as under a log shipper.
    const gateway = await spawnGateway([]);
    gateways.push(gateway);
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const calls = 60;
    const answers = await Promise.all(
      Array.from({ length: calls }, (_, index) =>
        client.chat.completions.create({
          model: "demo",
          messages: [{ role: "user", content: `call ${index}` }],
          user: `caller-${index}`,
        }),
      ),
    );
    expect(answers).toHaveLength(calls);
    // Stopped at once: lines still buffered must be flushed on the way out.
    const closed = once(gateway.child, "close");
    expect(await gateway.stop("SIGTERM")).toBe(0);
    await closed;
    const requestLines = gateway.logs.filter((line) => line.msg === "request");
    const users = new Set(requestLines.map((line) => line.user));
    expect(users.size).toBe(calls);
    expect(gateway.logs.at(-1)?.msg).toBe("stopped");
  });
});
