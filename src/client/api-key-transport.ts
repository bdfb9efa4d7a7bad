import type { Transport } from "@connectrpc/connect";

/** Where createSwitchyardClient reads the gateway key from in Node (browsers have no environment). */
export const API_KEY_VARIABLE = "SWITCHYARD_API_KEY";

/** The key in SWITCHYARD_API_KEY when a Node environment is there; undefined in browsers. */
export function apiKeyFromEnvironment(): string | undefined {
  const environment = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return environment?.[API_KEY_VARIABLE] || undefined;
}

/**
 * The transport with `authorization: Bearer <key>` on every call that does not set its own.
 * A transport wrapper rather than an interceptor: interceptors belong to the transport the
 * caller built, and this works with any (gRPC, gRPC-web, Connect; Node or browser).
 */
export function withApiKey(transport: Transport, apiKey: string): Transport {
  const authorization = `Bearer ${apiKey}`;
  const withKey = (init: ConstructorParameters<typeof Headers>[0]): Headers => {
    const headers = new Headers(init);
    if (!headers.has("authorization")) headers.set("authorization", authorization);
    return headers;
  };
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.unary(method, signal, timeoutMs, withKey(header), input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(method, signal, timeoutMs, withKey(header), input, contextValues),
  };
}
