import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendOpenAIError } from "../../src/http/door-kit/error-answers.js";
import type { NodeResponse } from "../../src/http/node-http.js";
import { type Route, RouteTable } from "../../src/http/route-table.js";

// A table behind a real HTTP server: each route answers with its own name and what it matched,
// so the tests see which route won, whatever order the doors registered in.
function route(method: string, path: string, name: string): Route {
  return {
    method,
    path,
    handle: (_request, response, match) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ name, params: match.params, rest: match.rest }));
    },
    sendError: sendOpenAIError,
  };
}

let server: Server;
let base: string;

beforeAll(async () => {
  // Registered most general first: the table must not care.
  const table = new RouteTable([
    route("*", "/v1/*", "v1-catch-all"),
    route("GET", "/v1/models/*", "model-by-name"),
    route("GET", "/v1/models", "models"),
    route("POST", "/model/{id}/update", "model-update"),
    route("PATCH", "/model/{id}/update", "model-patch"),
    route("POST", "/model/new", "model-new"),
    route("POST", "/a2a/*", "a2a"),
    route("POST", "/a2a/special/*", "a2a-special"),
  ]);
  server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?", 1)[0]!;
    if (!table.dispatch(request, response as NodeResponse, path)) {
      response.writeHead(404);
      response.end("fell through");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function call(method: string, path: string) {
  const response = await fetch(`${base}${path}`, { method });
  const text = await response.text();
  return { status: response.status, body: response.status === 200 ? JSON.parse(text) : text };
}

describe("the route table", () => {
  it("prefers an exact path, then parameters, then the longest prefix", async () => {
    expect((await call("GET", "/v1/models")).body.name).toBe("models");
    expect((await call("GET", "/v1/models/huggingface/bigcode/starcoder")).body).toMatchObject({
      name: "model-by-name",
      rest: "huggingface/bigcode/starcoder",
    });
    expect((await call("POST", "/v1/chat/nowhere")).body.name).toBe("v1-catch-all");
    expect((await call("POST", "/a2a/special/x")).body.name).toBe("a2a-special");
    expect((await call("POST", "/a2a/helper/message/send")).body).toMatchObject({
      name: "a2a",
      rest: "helper/message/send",
    });
  });

  it("binds one-segment parameters, still URL-encoded, and picks the route by method", async () => {
    expect((await call("POST", "/model/abc%2F1/update")).body).toMatchObject({
      name: "model-update",
      params: { id: "abc%2F1" },
    });
    expect((await call("PATCH", "/model/abc/update")).body.name).toBe("model-patch");
    expect((await call("POST", "/model/new")).body.name).toBe("model-new");
    // A parameter holds no "/": this path matches no pattern and falls through.
    expect(await call("POST", "/model/a/b/update")).toEqual({ status: 404, body: "fell through" });
  });

  it("answers 405 in the door's format when the path is known but the method is not", async () => {
    const response = await fetch(`${base}/v1/models`, { method: "DELETE" });
    expect(response.status).toBe(405);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain("DELETE");
  });

  it("leaves paths no route matches to the caller", async () => {
    expect(await call("GET", "/switchyard.v1.CompletionService/ListModels")).toEqual({
      status: 404,
      body: "fell through",
    });
  });

  it("refuses two routes for one method and path, and malformed patterns, at start", () => {
    expect(() => new RouteTable([route("GET", "/x", "a"), route("GET", "/x", "b")])).toThrow(/two routes/);
    expect(() => new RouteTable([route("GET", "/x/*/y", "a")])).toThrow();
    expect(() => new RouteTable([route("GET", "/a2a/{agent}/*", "a")])).toThrow();
  });
});
