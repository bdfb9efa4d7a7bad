// Referenced, not only included: the console's tsconfig reaches this file through AppRouter's types.
/// <reference path="./undici-lib.d.ts" />
/*
 * The two parts of undici the gateway uses, the Agent and `request`, loaded
 * without the rest: undici's index loads every part it has (fetch, WebSocket,
 * caches, mocks, proxies, interceptors, the SQLite cache store), 1.5 MB of
 * source and 1.7 MiB of the gateway's live heap held for good. undici has no
 * "exports" map, so its files are importable; its version is pinned.
 */
import type { Agent as AgentClass, Dispatcher } from "undici";
import requestModule from "undici/lib/api/api-request.js";
import AgentModule from "undici/lib/dispatcher/agent.js";

/** undici's Agent (a keep-alive pool per origin). */
export const Agent = AgentModule as unknown as typeof AgentClass;

type RequestOptions = Omit<Dispatcher.RequestOptions, "origin"> & { origin: string };

/**
 * `dispatcher.request(options)`: undici's index mixes its API into
 * Dispatcher's prototype; called here on any dispatcher instead (tests hand
 * in others).
 */
export function request(dispatcher: Dispatcher, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  return (
    requestModule as (this: Dispatcher, options: RequestOptions) => Promise<Dispatcher.ResponseData>
  ).call(dispatcher, options);
}
