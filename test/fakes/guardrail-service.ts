import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A guardrail service speaking LiteLLM's generic guardrail API
 * (`POST /beta/litellm_basic_guardrail_api`, `{texts, input_type, …}` →
 * `{action, blocked_reason?, texts?}`). Its verdict follows the texts: one
 * holding "forbidden" is BLOCKED, "secret" is rewritten to "[removed]"
 * (GUARDRAIL_INTERVENED), anything else passes (NONE).
 * It also answers OpenAI's `POST /v1/moderations` (`{model, input}` →
 * `{id, model, results: [{flagged, categories, category_scores}]}`): an input
 * holding "hateful" is flagged as `hate`.
 */
export interface FakeGuardrailService {
  readonly url: string;
  /** Every request body received. */
  readonly requests: Array<{ texts: string[]; input_type: string; headers: IncomingMessage["headers"] }>;
  /** Every moderation request received. */
  readonly moderations: Array<{ model: string; input: string[]; headers: IncomingMessage["headers"] }>;
  close(): Promise<void>;
}

export async function startFakeGuardrailService(): Promise<FakeGuardrailService> {
  const requests: FakeGuardrailService["requests"] = [];
  const moderations: FakeGuardrailService["moderations"] = [];
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    if (request.method === "POST" && request.url === "/v1/moderations") {
      const { model, input } = JSON.parse(body) as { model: string; input: string[] };
      moderations.push({ model, input, headers: request.headers });
      const results = input.map((text) => {
        const hate = text.includes("hateful");
        return {
          flagged: hate,
          categories: { hate, harassment: false, violence: false },
          category_scores: { hate: hate ? 0.97 : 0.01, harassment: 0.01, violence: 0.01 },
        };
      });
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ id: "modr-fake", model, results }));
      return;
    }
    if (request.method !== "POST" || request.url !== "/beta/litellm_basic_guardrail_api") {
      response.writeHead(404).end();
      return;
    }
    const parsed = JSON.parse(body) as { texts: string[]; input_type: string };
    requests.push({ ...parsed, headers: request.headers });
    const joined = parsed.texts.join("\n");
    const answer = joined.includes("forbidden")
      ? { action: "BLOCKED", blocked_reason: "forbidden topic" }
      : joined.includes("secret")
        ? {
            action: "GUARDRAIL_INTERVENED",
            texts: parsed.texts.map((text) => text.replaceAll("secret", "[removed]")),
          }
        : { action: "NONE" };
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    moderations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
