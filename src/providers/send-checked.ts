import type { GatewayError } from "../errors/gateway-error.js";
import type { UpstreamClient, UpstreamResponse } from "../http/upstream-client.js";
import type { CallOptions } from "./provider.js";

/** A provider's reading of its upstream's error answers. */
export type UpstreamErrorDecoder = (
  status: number,
  bodyText: string,
  headers: UpstreamResponse["headers"],
) => GatewayError;

/**
 * POSTs one call's JSON text upstream under the call's signal and timeout.
 * A 2xx answer is returned as it arrives; any other is read whole and thrown
 * as the provider's own GatewayError, so callers only ever see success.
 */
export async function sendChecked(
  client: UpstreamClient,
  request: { url: string; headers: Record<string, string>; body: string; whole?: boolean },
  options: CallOptions,
  decodeError: UpstreamErrorDecoder,
): Promise<UpstreamResponse> {
  const response = await client.send({
    url: request.url,
    headers: request.headers,
    body: request.body,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    whole: request.whole,
  });
  if (response.status >= 200 && response.status < 300) return response;
  throw decodeError(response.status, await response.text(), response.headers);
}
