import { randomUUID } from "node:crypto";
import { type Message, Role } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from "@a2a-js/sdk/client";

/** `fetch` with the gateway key as a Bearer token. */
export function bearerFetch(key: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };
}

/** The official SDK client of one agent served by the gateway at `baseUrl`, over JSON-RPC (or HTTP+JSON) with `key`. */
export function a2aClient(
  baseUrl: string,
  agent: string,
  key: string,
  binding: "JSONRPC" | "HTTP+JSON" = "JSONRPC",
): Promise<Client> {
  const fetchImpl = bearerFetch(key);
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
      preferredTransports: [binding],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl: fetch }),
    }),
  );
  // The trailing slash: the card path resolves relative to the agent's URL.
  return factory.createFromUrl(`${baseUrl}/a2a/${agent}/`);
}

/** A v1.0 user message with one text part. */
export function userMessage(text: string, contextId = ""): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId: "",
    role: Role.ROLE_USER,
    parts: [{ content: { $case: "text", value: text }, mediaType: "", filename: "", metadata: {} }],
    metadata: {},
    extensions: [],
    referenceTaskIds: [],
  };
}

/** SendMessage / SendStreamingMessage params of one user text (the SDK clients fill in the tenant). */
export function sendParams(text: string) {
  return { tenant: "", message: userMessage(text), configuration: undefined, metadata: {} };
}
