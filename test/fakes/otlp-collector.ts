import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/**
 * A fake OpenTelemetry collector on node:http (127.0.0.1, port 0) speaking
 * OTLP/HTTP with JSON bodies (`POST …/v1/traces`, `content-type:
 * application/json`, answered with an empty ExportTraceServiceResponse).
 * It keeps every export as received (path, headers, raw body) and decodes
 * the spans in it. In `hang` mode it reads requests and never answers: a
 * collector that accepts connections and then goes silent.
 */
export interface FakeCollector {
  /** "http://127.0.0.1:PORT". */
  readonly url: string;
  /** Every export received, in arrival order. */
  readonly exports: ReceivedExport[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Every span of every export, in arrival order. */
  spans(): ReceivedSpan[];
  /** Closes every connection (ending hanging requests) and the server. */
  close(): Promise<void>;
}

export interface ReceivedExport {
  readonly path: string;
  /** Node's lower-cased request headers. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body as sent (after gzip, if it was compressed). */
  readonly body: string;
}

export interface ReceivedSpan {
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  /** ms since the epoch (from the nanosecond fields). */
  readonly startTime: number;
  readonly endTime: number;
  readonly attributes: Record<string, AttributeValue>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string };
  readonly resource: Record<string, AttributeValue>;
  readonly scope: string;
}

export type AttributeValue = string | number | boolean | AttributeValue[] | undefined;

export interface FakeCollectorOptions {
  /** "answer" (default): 200 for every export; "hang": never answer. */
  readonly mode?: "answer" | "hang";
  /** Default: a free one. A fixed port lets a test bring a collector back where a dead one was. */
  readonly port?: number;
}

export async function startFakeCollector(options: FakeCollectorOptions = {}): Promise<FakeCollector> {
  const exports: ReceivedExport[] = [];
  const decoded: ReceivedSpan[][] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    void receive(request, response);
  });
  server.on("connection", () => {
    connections++;
  });

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = (request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
    exports.push({ path: request.url ?? "/", headers: request.headers, body });
    if (options.mode === "hang") return;
    if (request.method !== "POST" || request.headers["content-type"] !== "application/json") {
      response.writeHead(415, { "content-type": "application/json" });
      response.end(JSON.stringify({ code: 3, message: "expected OTLP/HTTP JSON" }));
      return;
    }
    decoded.push(decodeTraces(body));
    response.writeHead(200, { "content-type": "application/json" });
    response.end("{}");
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    get connections() {
      return connections;
    },
    spans: () => decoded.flat(),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        name: string;
        kind: number;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: OtlpKeyValue[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

/** An ExportTraceServiceRequest in OTLP's JSON encoding, flattened to one entry per span. */
export function decodeTraces(body: string): ReceivedSpan[] {
  const request = JSON.parse(body) as OtlpTraces;
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        name: span.name,
        kind: span.kind,
        traceId: span.traceId,
        spanId: span.spanId,
        ...(span.parentSpanId && { parentSpanId: span.parentSpanId }),
        startTime: Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000,
        endTime: Number(BigInt(span.endTimeUnixNano) / 1000n) / 1000,
        attributes: attributesOf(span.attributes),
        status: { code: span.status?.code ?? 0, message: span.status?.message },
        resource,
        scope: scopeSpans.scope?.name ?? "",
      })),
    );
  });
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, anyValue(value)]));
}

function anyValue(value: OtlpAnyValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(anyValue);
  return undefined;
}
