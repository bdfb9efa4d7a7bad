import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";

/** A node request handler that accepts both HTTP/1.1 and HTTP/2 compatibility objects. */
export type RequestHandler = (
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it back from `Listener.port`). */
  port: number;
  host: string;
  /** Time for a new connection's request headers (HTTP/2: its first stream), ms; default 30 s. */
  headersTimeoutMs?: number;
  /** A connection with no traffic either way for this long is closed, ms; default 5 min. */
  idleTimeoutMs?: number;
}

export interface Listener {
  /** The port actually bound. */
  readonly port: number;
  readonly host: string;
  /** `http://host:port`, IPv6 hosts in brackets. */
  readonly url: string;
  /** Requests (HTTP/1.1) and streams (HTTP/2) whose response has not closed yet. */
  readonly activeRequests: number;
  /**
   * Stops accepting connections at once, lets in-flight requests and streams finish (idle keep-alive
   * connections are closed, HTTP/2 sessions get GOAWAY), and destroys whatever is still open after
   * `graceMs`. Resolves when every connection is closed. Calling it again returns the same promise.
   */
  close(graceMs: number): Promise<void>;
}

/** First bytes of the HTTP/2 connection preface ("PRI * HTTP/2.0…"); no HTTP/1.1 method starts with it. */
const h2Signature = Buffer.from("PRI ", "latin1");
/** Time allowed for request headers, and for the first bytes of a new connection. */
const defaultHeadersTimeoutMs = 30_000;
/**
 * Longer than the 60 s idle timeout of common load balancers, so that they, not we, close idle
 * connections; otherwise a request can race our close and fail with a 502.
 */
const keepAliveTimeoutMs = 65_000;
/**
 * A connection on which nothing moves either way for this long is closed: a stalled upload, a
 * forgotten socket. Long enough for a model that thinks for minutes before its first token.
 */
const defaultIdleTimeoutMs = 300_000;
/** Streams one HTTP/2 connection may have open at once (gRPC clients open one per call). */
const maxConcurrentStreams = 256;

/**
 * Serves HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as gRPC clients use it) on one TCP port.
 * Each connection is routed by its first bytes, because `http2.createServer({ allowHTTP1 })` only
 * works with TLS.
 */
export async function listen(handler: RequestHandler, options: ListenOptions): Promise<Listener> {
  const headersTimeoutMs = options.headersTimeoutMs ?? defaultHeadersTimeoutMs;
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  let activeRequests = 0;
  let closing: Promise<void> | undefined;
  const sockets = new Set<net.Socket>();
  const sniffing = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const h1Responses = new Set<http.ServerResponse>();

  function onResponseClose(this: http.ServerResponse | http2.Http2ServerResponse): void {
    activeRequests--;
    if (this instanceof http.ServerResponse && h1Responses.delete(this) && closing) {
      // The response went out with keep-alive before close() began; end the connection now that
      // it is idle. (HTTP/1.1 pipelining is not worth supporting during shutdown.)
      this.req.socket.end();
    }
  }
  const h1 = http.createServer(
    {
      // LLM streams can legitimately run for minutes: no overall request deadline.
      requestTimeout: 0,
      headersTimeout: headersTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      connectionsCheckingInterval: 5_000,
    },
    (request, response) => {
      activeRequests++;
      if (closing) response.setHeader("Connection", "close");
      else h1Responses.add(response);
      response.once("close", onResponseClose);
      handler(request, response);
    },
  );
  // Nothing sent or received for idleTimeoutMs: node destroys the socket (stalled bodies included).
  h1.setTimeout(idleTimeoutMs);
  const h2 = http2.createServer({ settings: { maxConcurrentStreams } }, (request, response) => {
    activeRequests++;
    response.once("close", onResponseClose);
    handler(request, response);
  });
  h2.on("session", (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    // A session must open a stream soon after its preface, as an HTTP/1.1 request must send headers.
    const firstStream = setTimeout(() => session.destroy(), headersTimeoutMs);
    session.once("stream", () => clearTimeout(firstStream));
    // Idle sessions (no frames either way) are closed with GOAWAY; clients open a new one when needed.
    session.setTimeout(idleTimeoutMs, () => session.close());
    session.once("close", () => {
      clearTimeout(firstStream);
      sessions.delete(session);
    });
  });

  const tcp = net.createServer(
    { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 },
    (socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      if (closing) socket.destroy();
      else sniff(socket);
    },
  );

  function sniff(socket: net.Socket): void {
    let head: Buffer = Buffer.alloc(0);
    const abandon = () => socket.destroy();
    const onReadable = () => {
      const chunk: Buffer | null = socket.read();
      if (chunk === null) return;
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      // Wait for more only while the bytes could still be the start of the h2 preface.
      if (head.length < h2Signature.length && h2Signature.subarray(0, head.length).equals(head)) return;
      sniffing.delete(socket);
      socket.off("readable", onReadable).off("end", abandon).off("error", abandon);
      socket.setTimeout(0, abandon);
      socket.unshift(head);
      // `readable` + `read` + `unshift` keeps the stream paused for the new owner; a "data" listener
      // here switched it to flowing mode and broke HTTP/2 sessions (GOAWAY INTERNAL_ERROR).
      const isH2 = head.subarray(0, h2Signature.length).equals(h2Signature);
      (isH2 ? h2 : h1).emit("connection", socket);
    };
    sniffing.add(socket);
    socket.setTimeout(headersTimeoutMs, abandon);
    socket.on("readable", onReadable).once("end", abandon).once("error", abandon);
  }

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  // node:http enforces headersTimeout and tracks idle connections only after its "listening" event,
  // which never fires on its own here because the TCP server, not `h1`, owns the port.
  h1.emit("listening");

  const port = (tcp.address() as net.AddressInfo).port;
  const hostForUrl = options.host.includes(":") ? `[${options.host}]` : options.host;

  function close(graceMs: number): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      const forceTimer = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      // The callback runs once every connection accepted by `tcp` (handed over or not) has closed.
      tcp.close(() => {
        clearTimeout(forceTimer);
        resolve();
      });
      for (const socket of sniffing) socket.destroy();
      // Destroys idle keep-alive connections and stops the headers-timeout checker.
      h1.close();
      for (const response of h1Responses) {
        if (!response.headersSent) {
          h1Responses.delete(response);
          response.setHeader("Connection", "close");
        }
      }
      for (const session of sessions) session.close();
    });
    return closing;
  }

  return {
    port,
    host: options.host,
    url: `http://${hostForUrl}:${port}`,
    get activeRequests() {
      return activeRequests;
    },
    close,
  };
}
