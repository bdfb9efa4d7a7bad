import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGatewayWith } from "../helpers/start-gateway.js";

const yaml =
  "model_list:\n  - model_name: canned\n    litellm_params: { model: openai/x, mock_response: hi }\n";

/** A gateway on port 0 serving the console from `consoleDir`. */
const startConsoleGateway = (consoleDir: string) => startGatewayWith(yaml, { consoleDir });

/** A request with the path sent exactly as written (fetch would normalise "..", as browsers do). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const outgoing = request({ hostname, port, path, method: "GET" }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

describe("the console's static files at /ui", () => {
  let root: string;
  let running: Awaited<ReturnType<typeof startConsoleGateway>>;
  const page = "<!doctype html><title>console</title>";
  const script = "console.log('console');";

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "switchyard-console-"));
    await mkdir(join(root, "ui", "assets"), { recursive: true });
    await writeFile(join(root, "ui", "index.html"), page);
    await writeFile(join(root, "ui", "assets", "main-ABC123.js"), script);
    await writeFile(join(root, "ui", "assets", "main-ABC123.css"), "body{}");
    // Next to the console directory: must never be reachable through /ui.
    await writeFile(join(root, "secret.txt"), "do not serve");
    running = await startConsoleGateway(join(root, "ui"));
  });

  afterAll(async () => {
    await running?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("serves index.html for the console and for each of its routes, revalidated every time", async () => {
    for (const path of ["/ui", "/ui/", "/ui/keys", "/ui/spend/by-day"]) {
      const response = await fetch(`${running.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(await response.text()).toBe(page);
    }
  });

  it("serves hashed assets with their content type, cached for good", async () => {
    const response = await fetch(`${running.url}/ui/assets/main-ABC123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await response.text()).toBe(script);
    const css = await fetch(`${running.url}/ui/assets/main-ABC123.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers HEAD without a body and a matching If-None-Match with 304", async () => {
    const head = await fetch(`${running.url}/ui/assets/main-ABC123.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(script.length));
    const etag = head.headers.get("etag")!;
    const again = await fetch(`${running.url}/ui/assets/main-ABC123.js`, {
      headers: { "if-none-match": etag },
    });
    expect(again.status).toBe(304);
  });

  it("answers a missing file with a JSON 404, not the page", async () => {
    const response = await fetch(`${running.url}/ui/assets/main-OLD.js`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toMatchObject({
      error: { message: "No such file in the web console: /ui/assets/main-OLD.js." },
    });
  });

  it("never serves a file outside its directory", async () => {
    for (const path of [
      "/ui/../secret.txt",
      "/ui/assets/../../secret.txt",
      "/ui/%2e%2e/secret.txt",
      "/ui/assets/..%2f..%2fsecret.txt",
      "/ui/%2fetc%2fpasswd.txt",
      "/ui/%00.txt",
      "/ui/%E0%A4%A.js",
    ]) {
      const response = await rawGet(running.url, path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain("do not serve");
    }
  });

  it("refuses methods other than GET and HEAD", async () => {
    const response = await fetch(`${running.url}/ui/`, { method: "POST" });
    expect(response.status).toBe(405);
  });

  it("says how to build the console when it is not built", async () => {
    const unbuilt = await startConsoleGateway(join(root, "not-built"));
    try {
      const response = await fetch(`${unbuilt.url}/ui/`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
        /npm run build:ui/,
      );
    } finally {
      await unbuilt.close();
    }
  });
});
