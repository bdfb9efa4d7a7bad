import { once } from "node:events";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { universalRequestFromH2Request } from "../../src/server/h2-universal-request.js";

const servers: http2.Http2Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** An h2c server that hands each request to `onRequest` as Connect's universal request. */
async function serve(
  onRequest: (universal: UniversalServerRequest, response: http2.Http2ServerResponse) => void,
) {
  const server = http2.createServer((request, response) =>
    onRequest(universalRequestFromH2Request(request, undefined), response),
  );
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return session;
}

describe("an HTTP/2 request as Connect sees it", () => {
  it("carries the URL, the headers without pseudo-headers, and the body bytes", async () => {
    let seen: { url: string; headers: [string, string][]; body: string } | undefined;
    const session = await serve(async (universal, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of universal.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      seen = { url: universal.url, headers: [...universal.header], body: Buffer.concat(chunks).toString() };
      response.end();
    });
    const stream = session.request({
      ":method": "POST",
      ":path": "/pkg.Service/Method?x=1",
      "x-caller": "a",
    });
    stream.end("hello");
    stream.resume();
    await once(stream, "close");
    session.close();
    expect(seen?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pkg\.Service\/Method\?x=1$/);
    expect(seen?.headers).toContainEqual(["x-caller", "a"]);
    expect(seen?.headers.some(([name]) => name.startsWith(":"))).toBe(false);
    expect(seen?.body).toBe("hello");
  });

  it("aborts its signal with CANCELED when the client resets the stream", async () => {
    const reasons: unknown[] = [];
    const session = await serve((universal) => {
      universal.signal.addEventListener("abort", () => reasons.push(universal.signal.reason));
    });
    const stream = session.request({ ":method": "POST", ":path": "/pkg.Service/Method" });
    stream.on("error", () => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await once(stream, "close");
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.close();
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(ConnectError);
    expect((reasons[0] as ConnectError).code).toBe(Code.Canceled);
  });

  it("aborts its signal with an AbortError when the stream closes after the answer", async () => {
    let universal: UniversalServerRequest | undefined;
    const session = await serve((request, response) => {
      universal = request;
      response.end();
    });
    const stream = session.request({ ":method": "POST", ":path": "/pkg.Service/Method" });
    stream.end();
    stream.resume();
    await once(stream, "close");
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.close();
    expect(universal?.signal.aborted).toBe(true);
    expect(universal?.signal.reason).toMatchObject({ name: "AbortError" });
  });
});
