import { createServer, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { Pool } from "undici";

/**
 * The least a gateway that reads what it forwards can do: the pass-through
 * (bench/passthrough.ts) plus what counting tokens needs and nothing else.
 * It reads the whole request and parses it, names the upstream's model,
 * serialises it again; parses the upstream's answer (or each streamed
 * event) for its usage; writes the answer; and logs one line per call with
 * pino, batched as the gateway's logger batches. No auth, no routing, no
 * metrics, no spend rows, no validation. Its cost over the pass-through is
 * the floor under any such gateway's, in the same run.
 *
 * Usage: node --import tsx bench/json-hop.ts --port <port> --upstream http://127.0.0.1:<port>
 */

const { values } = parseArgs({ options: { port: { type: "string" }, upstream: { type: "string" } } });
const upstream = new Pool(values.upstream ?? "http://127.0.0.1:8000", { keepAliveTimeout: 60_000 });
const log = pino({ base: null }, pino.destination({ dest: 1, sync: false, minLength: 8192 }));
const upstreamHeaders = { "content-type": "application/json", authorization: "Bearer sk-bench" };

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

async function hop(body: Buffer, response: ServerResponse): Promise<void> {
  const started = performance.now();
  const request = JSON.parse(body.toString("utf8")) as { model: string; stream?: boolean };
  const model = request.model;
  request.model = "bench";
  const answer = await upstream.request({
    path: "/v1/chat/completions",
    method: "POST",
    headers: upstreamHeaders,
    body: JSON.stringify(request),
  });
  let usage: Usage | undefined;
  if (request.stream) {
    response.writeHead(answer.statusCode, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
    });
    let pending = "";
    for await (const chunk of answer.body) {
      response.write(chunk);
      pending += (chunk as Buffer).toString("utf8");
      let end = pending.indexOf("\n\n");
      while (end !== -1) {
        const event = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (event.startsWith("data: {")) {
          const parsed = JSON.parse(event.slice(6)) as { usage?: Usage | null };
          if (parsed.usage) usage = parsed.usage;
        }
        end = pending.indexOf("\n\n");
      }
    }
    response.end();
  } else {
    const parsed = JSON.parse(await answer.body.text()) as { model?: string; usage?: Usage };
    usage = parsed.usage;
    parsed.model = model;
    const text = JSON.stringify(parsed);
    response.writeHead(answer.statusCode, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    response.end(text);
  }
  log.info({
    model,
    status: answer.statusCode,
    promptTokens: usage?.prompt_tokens,
    completionTokens: usage?.completion_tokens,
    latencyMs: performance.now() - started,
  });
}

const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    hop(Buffer.concat(chunks), response).catch(() => {
      if (response.headersSent) response.destroy();
      else response.writeHead(502).end();
    });
  });
});
server.listen(Number(values.port ?? 0), "127.0.0.1");
// The runner holds our stdin open: when it goes away, however it died, so do we.
process.stdin.on("close", () => process.exit(0)).resume();
