import { once } from "node:events";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { type Listener, listen, type RequestHandler } from "../../src/server/listen.js";

const listeners: Listener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((listener) => listener.close(0)));
});

async function start(handler: RequestHandler): Promise<Listener> {
  const listener = await listen(handler, { port: 0, host: "127.0.0.1" });
  listeners.push(listener);
  return listener;
}

const answerWithVersion: RequestHandler = (request, response) => {
  response.writeHead(200, { "content-type": "text/plain" });
  response.end(`HTTP/${request.httpVersion} ${request.url}`);
};

/** A handler that sends "first;" at once and the rest only when `finish()` is called. */
function heldResponse() {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const handler: RequestHandler = (_request, response) => {
    response.writeHead(200, { "content-type": "text/plain" });
    // Both response kinds are Writable; the union of their overloads is not callable as is.
    const body: Writable = response;
    body.write("first;");
    void finished.then(() => body.end("last"));
  };
  return { handler, finish };
}

/** Starts an HTTP/1.1 GET and resolves once the first body chunk arrived; `body` resolves at the end. */
async function startH1Get(url: string) {
  const request = http.get(url, { agent: false });
  const [response] = (await once(request, "response")) as [http.IncomingMessage];
  response.setEncoding("utf8");
  let text = "";
  response.on("data", (chunk: string) => {
    text += chunk;
  });
  await once(response, "data");
  const body = new Promise<{ text: string; complete: boolean }>((resolve) => {
    response.once("close", () => resolve({ text, complete: response.complete }));
  });
  return { body };
}

async function h2Get(url: string, path: string): Promise<string> {
  const session = http2.connect(url);
  try {
    const stream = session.request({ ":path": path });
    stream.setEncoding("utf8");
    let text = "";
    for await (const chunk of stream) text += chunk;
    return text;
  } finally {
    session.close();
  }
}

function connectionRefused(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

describe("listen", () => {
  it("binds a free port when asked for port 0 and reports it", async () => {
    const listener = await start(answerWithVersion);
    expect(listener.port).toBeGreaterThan(0);
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}`);
  });

  it("serves HTTP/1.1 and cleartext HTTP/2 on the same port", async () => {
    const listener = await start(answerWithVersion);
    const h1 = await fetch(`${listener.url}/one`);
    expect(await h1.text()).toBe("HTTP/1.1 /one");
    expect(await h2Get(listener.url, "/two")).toBe("HTTP/2.0 /two");
  });

  it("keeps serving requests on a kept-alive HTTP/1.1 connection", async () => {
    const listener = await start(answerWithVersion);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<net.Socket>();
    for (const path of ["/a", "/b"]) {
      const request = http.get(`${listener.url}${path}`, { agent });
      const [response] = (await once(request, "response")) as [http.IncomingMessage];
      sockets.add(response.socket);
      response.resume();
      await once(response, "end");
    }
    expect(sockets.size).toBe(1);
    agent.destroy();
  });

  it("on close, finishes an HTTP/1.1 response already under way and refuses new connections", async () => {
    const held = heldResponse();
    const listener = await start(held.handler);
    const { body } = await startH1Get(`${listener.url}/slow`);
    expect(listener.activeRequests).toBe(1);

    const closed = listener.close(60_000);
    expect(await connectionRefused(listener.port)).toBe("ECONNREFUSED");
    held.finish();

    expect(await body).toEqual({ text: "first;last", complete: true });
    await closed;
    expect(listener.activeRequests).toBe(0);
  });

  it("on close, lets an HTTP/2 stream finish after telling the client to go away", async () => {
    const held = heldResponse();
    const listener = await start(held.handler);
    const session = http2.connect(listener.url);
    const stream = session.request({ ":path": "/slow" });
    stream.setEncoding("utf8");
    let text = "";
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    await once(stream, "data");

    const goaway = once(session, "goaway");
    const closed = listener.close(60_000);
    await goaway;
    held.finish();

    await once(stream, "end");
    expect(text).toBe("first;last");
    await closed;
    session.destroy();
  });

  it("on close, does not wait for idle keep-alive connections", async () => {
    const listener = await start(answerWithVersion);
    const agent = new http.Agent({ keepAlive: true });
    const request = http.get(`${listener.url}/idle`, { agent });
    const [response] = (await once(request, "response")) as [http.IncomingMessage];
    response.resume();
    await once(response, "end");

    // A 60 s grace would time the test out if the idle connection were waited for.
    await listener.close(60_000);
    agent.destroy();
  });

  it("destroys responses that are still running when the grace period ends", async () => {
    const neverEnds: RequestHandler = (_request, response) => {
      response.writeHead(200);
      const body: Writable = response;
      body.write("partial");
    };
    const listener = await start(neverEnds);
    const { body } = await startH1Get(`${listener.url}/stuck`);

    await listener.close(50);
    expect(await body).toEqual({ text: "partial", complete: false });
  });
});
