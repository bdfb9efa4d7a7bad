import { Client } from "undici";
import { benchHeaders, percentile } from "./load.js";

/**
 * Time to first streamed byte: sequential streaming requests on one
 * keep-alive connection, each timed from sending to the first body chunk
 * (the first SSE event), so nothing queues behind anything else.
 */

export interface FirstByteResult {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export async function measureFirstByte(
  origin: string,
  body: string,
  requests: number,
  warmupRequests: number,
  headers: Readonly<Record<string, string>> = benchHeaders,
): Promise<FirstByteResult> {
  const client = new Client(origin, { keepAliveTimeout: 60_000 });
  const samples: number[] = [];
  try {
    for (let index = 0; index < warmupRequests + requests; index++) {
      const started = performance.now();
      const response = await client.request({
        method: "POST",
        path: "/v1/chat/completions",
        headers,
        body,
      });
      let firstChunkAt: number | undefined;
      for await (const _chunk of response.body) firstChunkAt ??= performance.now();
      if (response.statusCode !== 200) throw new Error(`streaming request answered ${response.statusCode}`);
      if (index >= warmupRequests && firstChunkAt !== undefined) samples.push(firstChunkAt - started);
    }
  } finally {
    await client.close();
  }
  samples.sort((left, right) => left - right);
  return { samples: samples.length, p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99) };
}
