import { createServer, type IncomingHttpHeaders } from "node:http";
import { parseArgs } from "node:util";
import { Pool } from "undici";

/**
 * The benchmark's baseline: a bare reverse proxy that forwards every request
 * to one upstream over a keep-alive undici Pool and streams the body straight
 * back, parsing nothing. It is the physical limit of one Node hop; the
 * gateway's overhead is measured against it.
 *
 * Usage: node --import tsx bench/passthrough.ts --port <port> --upstream http://127.0.0.1:<port>
 * (bench/run.ts runs it compiled to plain JavaScript: dist/bench/passthrough.js).
 */

const { values } = parseArgs({ options: { port: { type: "string" }, upstream: { type: "string" } } });
const upstream = new Pool(values.upstream ?? "http://127.0.0.1:8000", { keepAliveTimeout: 60_000 });
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "host",
  "te",
  "trailer",
  "upgrade",
]);

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !hopByHop.has(name)) kept[name] = value;
  }
  return kept;
}

const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (request, response) => {
  const method = request.method === "GET" ? "GET" : "POST";
  upstream
    .stream(
      {
        path: request.url ?? "/",
        method,
        headers: endToEnd(request.headers),
        body: method === "GET" ? null : request,
      },
      ({ statusCode, headers }) => {
        response.writeHead(statusCode, endToEnd(headers as IncomingHttpHeaders));
        return response;
      },
    )
    .catch(() => {
      if (response.headersSent) response.destroy();
      else response.writeHead(502).end();
    });
});
server.listen(Number(values.port ?? 0), "127.0.0.1");
// The runner holds our stdin open: when it goes away, however it died, so do we.
process.stdin.on("close", () => process.exit(0)).resume();
