import { once } from "node:events";
import * as http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCors } from "../../src/server/cors.js";
import { type Listener, listen } from "../../src/server/listen.js";

let restricted: Listener;
let open: Listener;

async function startWith(allowedOrigins: readonly string[]): Promise<Listener> {
  const cors = createCors({ allowedOrigins });
  return listen(
    (request, response) => {
      if (cors(request, response)) return;
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("handled");
    },
    { port: 0, host: "127.0.0.1" },
  );
}

beforeAll(async () => {
  restricted = await startWith(["https://app.example.com"]);
  open = await startWith(["*"]);
});
afterAll(() => Promise.all([restricted.close(0), open.close(0)]));

async function send(url: string, method: string, headers: http.OutgoingHttpHeaders) {
  const request = http.request(url, { method, headers, agent: false });
  request.end();
  const [response] = (await once(request, "response")) as [http.IncomingMessage];
  let body = "";
  for await (const chunk of response) body += String(chunk);
  return { status: response.statusCode, headers: response.headers, body };
}

const preflight = (origin: string, requestHeaders: string) => ({
  origin,
  "access-control-request-method": "POST",
  "access-control-request-headers": requestHeaders,
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin with the SDK headers it asked for", async () => {
    const requested = "authorization, content-type, x-stainless-os, openai-project, x-unknown";
    const answer = await send(
      `${restricted.url}/v1/chat/completions`,
      "OPTIONS",
      preflight("https://app.example.com", requested),
    );
    expect(answer.status).toBe(204);
    expect(answer.body).toBe("");
    expect(answer.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(answer.headers.vary).toContain("Origin");
    expect(answer.headers["access-control-allow-headers"]).toBe(
      "authorization, content-type, x-stainless-os, openai-project",
    );
    expect(answer.headers["access-control-allow-methods"]).toBe("GET, POST, PATCH, DELETE, OPTIONS");
    expect(answer.headers["access-control-max-age"]).toBe("7200");
  });

  it("grants nothing to a preflight from an origin that is not listed", async () => {
    const answer = await send(
      `${restricted.url}/v1/models`,
      "OPTIONS",
      preflight("https://evil.example", "authorization"),
    );
    expect(answer.status).toBe(204);
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    expect(answer.headers["access-control-allow-headers"]).toBeUndefined();
  });

  it("lets actual requests through, exposing the gateway and gRPC headers", async () => {
    const answer = await send(`${restricted.url}/v1/models`, "GET", { origin: "https://app.example.com" });
    expect(answer.body).toBe("handled");
    expect(answer.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    const exposed = String(answer.headers["access-control-expose-headers"]).split(", ");
    expect(exposed).toEqual(expect.arrayContaining(["Grpc-Status", "x-litellm-call-id", "retry-after"]));
  });

  it("allows any origin with a wildcard", async () => {
    const answer = await send(
      `${open.url}/v1/models`,
      "OPTIONS",
      preflight("https://anywhere.example", "x-api-key, anthropic-version"),
    );
    expect(answer.headers["access-control-allow-origin"]).toBe("*");
    expect(answer.headers["access-control-allow-headers"]).toBe("x-api-key, anthropic-version");
  });

  it("leaves requests without an Origin header alone", async () => {
    const answer = await send(`${open.url}/v1/models`, "OPTIONS", {});
    expect(answer.body).toBe("handled");
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
