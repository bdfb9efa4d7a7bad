import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { UpstreamClient } from "../../src/http/upstream-client.js";

/** An upstream that answers `/size/<n>` with n bytes of JSON string, and `/slow` never. */
let server: Server;
let origin: string;
const client = new UpstreamClient(undefined, { maxBodyBytes: 1024 });

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    const size = /^\/size\/(\d+)$/.exec(request.url ?? "");
    if (size) {
      const body = JSON.stringify("x".repeat(Number(size[1]) - 2));
      response.writeHead(200, { "content-type": "application/json", "x-upstream": "fake" });
      // In pieces, as a large answer arrives.
      for (let offset = 0; offset < body.length; offset += 256)
        response.write(body.slice(offset, offset + 256));
      response.end();
    }
    // "/slow": headers never come.
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  server.close();
});

function send(path: string, signal = new AbortController().signal) {
  return client.send({ url: `${origin}${path}`, headers: {}, body: "{}", signal, whole: true });
}

describe("an answer read whole", () => {
  it("arrives with its status, headers and body", async () => {
    const response = await send("/size/1000");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-upstream")).toBe("fake");
    expect(await response.json()).toHaveLength(998);
  });

  it("is refused past the client's limit with a 502 that names no more than the origin", async () => {
    const failure = await send("/size/5000").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GatewayError);
    expect((failure as GatewayError).httpStatus).toBe(502);
    expect((failure as GatewayError).errorCode).toBe("upstream_answer_too_large");
    // The connection was dropped, not poisoned: the next call is answered.
    expect((await send("/size/10")).status).toBe(200);
  });

  it("ends with the signal's reason when the caller aborts while waiting", async () => {
    const controller = new AbortController();
    const pending = send("/slow", controller.signal).catch((error: unknown) => error);
    const reason = new GatewayError({ code: Code.DeadlineExceeded, message: "attempt deadline" });
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });

  it("ends at once for a signal already aborted", async () => {
    const controller = new AbortController();
    const reason = new GatewayError({ code: Code.Canceled, message: "gone" });
    controller.abort(reason);
    expect(await send("/size/10", controller.signal).catch((error: unknown) => error)).toBe(reason);
  });

  it("reports an unreachable upstream as retryable 502", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, "close");
    const failure = (await client
      .send({
        url: `http://127.0.0.1:${port}/x`,
        headers: {},
        signal: new AbortController().signal,
        whole: true,
      })
      .catch((error: unknown) => error)) as GatewayError;
    expect(failure.httpStatus).toBe(502);
    expect(failure.retryable).toBe(true);
  });
});
