import { create, type DescMethod } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  BlockKeyRequestSchema,
  DeleteKeyRequestSchema,
  GenerateKeyRequestSchema,
  GetKeyRequestSchema,
  KeyService,
  ListKeysRequestSchema,
  RegenerateKeyRequestSchema,
  UnblockKeyRequestSchema,
  UpdateKeyRequestSchema,
} from "../../../gen/switchyard/v1/key_pb.js";
import type { Authenticator } from "../../auth/authenticator.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { NodeRequest, NodeResponse } from "../../http/node-http.js";
import { readJsonBody } from "../../http/read-json-body.js";
import { keyNameOf } from "../../keys/virtual-key.js";
import type { KeyHandlers } from "../../services/key-service.js";
import { openAIRestSurface, sendOpenAIError } from "../openai/openai-routes.js";
import { answerJson, type Exchange, methodNotAllowed, queryOf, type Route, runRoute } from "../run-route.js";
import {
  bodyObject,
  generatedKeyObject,
  generateRequestOf,
  hasSettings,
  keyObject,
  optionalStrings,
  requiredString,
  updateRequestOf,
} from "./key-json.js";

export interface KeyRoutesDeps {
  readonly keys: KeyHandlers;
  readonly authenticator: Authenticator;
  /** Called with errors that are the gateway's fault (5xx), for logging. */
  readonly onError?: (error: GatewayError, request: NodeRequest) => void;
}

/** Key bodies are settings and some metadata. */
const MAX_KEY_BODY_BYTES = 1024 * 1024;
/** LiteLLM's /key/list page size: 10 by default, at most 100. */
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

/**
 * LiteLLM's key management routes as a codec onto the Key service
 * (BerriAI/litellm proxy/management_endpoints/key_management_endpoints.py),
 * with LiteLLM's JSON: `POST /key/generate`, `GET /key/info?key=`,
 * `GET /key/list`, `POST /key/update`, `POST /key/delete` (`{keys}` or
 * `{key_aliases}`), `POST /key/regenerate` and `POST /key/{key}/regenerate`,
 * `POST /key/block` and `/key/unblock` (`{key}`). Requests name keys by value
 * or token id; answers by token id, so only generate and regenerate ever
 * return a key's value. Errors in OpenAI's error JSON.
 *
 * Returns a handler that answers and returns true for these paths, false otherwise.
 */
export function createKeyRoutes(deps: KeyRoutesDeps) {
  const { keys } = deps;
  const methods = KeyService.method;
  const surface = openAIRestSurface(deps);

  const answer = <Result>(
    exchange: Exchange,
    method: DescMethod,
    invoke: (context: HandlerContext) => Promise<Result>,
    encode: (result: Result) => unknown,
  ) => answerJson(KeyService, method, exchange, invoke, encode);

  const generate: Route = async (...exchange) => {
    const request = create(GenerateKeyRequestSchema, generateRequestOf(await body(exchange[0])));
    return answer(
      exchange,
      methods.generateKey,
      (context) => keys.generateKey(request, context),
      (result) => generatedKeyObject(result.key, result.info!),
    );
  };

  const info: Route = async (...exchange) => {
    const [request, , principal] = exchange;
    const given = queryOf(request).get("key") ?? "";
    hideKeyInUrl(request, given, (name) => `/key/info?key=${name}`);
    // Without ?key=, LiteLLM answers with the caller's own key.
    const key = given || (principal.kind === "virtual_key" ? principal.key.tokenId : "");
    if (key === "") throw GatewayError.invalidArgument("key is required (?key=sk-… or its token id)", "key");
    return answer(
      exchange,
      methods.getKey,
      (context) => keys.getKey(create(GetKeyRequestSchema, { key }), context),
      (result) => {
        // The token id, even when asked by value: info never holds a key's value.
        const { token, ...settings } = keyObject(result.info!);
        return { key: token, info: settings };
      },
    );
  };

  const list: Route = async (...exchange) => {
    const query = queryOf(exchange[0]);
    const page = pageParameter(query, "page", 1, Number.MAX_SAFE_INTEGER);
    const size = pageParameter(query, "size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const keyHash = query.get("key_hash") || undefined;
    const full = query.get("return_full_object") === "true";
    const request = create(ListKeysRequestSchema, { keyAlias: query.get("key_alias") ?? "" });
    return answer(
      exchange,
      methods.listKeys,
      (context) => keys.listKeys(request, context),
      (result) => {
        const found = keyHash ? result.keys.filter((key) => key.tokenId === keyHash) : result.keys;
        const shown = found.slice((page - 1) * size, page * size);
        return {
          keys: full ? shown.map(keyObject) : shown.map((key) => key.tokenId),
          total_count: found.length,
          current_page: page,
          total_pages: Math.ceil(found.length / size),
        };
      },
    );
  };

  const update: Route = async (...exchange) => {
    const fields = await body(exchange[0]);
    const key = requiredString(fields, "key");
    const request = create(UpdateKeyRequestSchema, updateRequestOf(fields, key));
    return answer(
      exchange,
      methods.updateKey,
      (context) => keys.updateKey(request, context),
      // LiteLLM echoes `key`; the token id instead, since it may have been given by value.
      (result) => ({ ...keyObject(result.info!), key: result.info!.tokenId }),
    );
  };

  const remove: Route = async (...exchange) => {
    const fields = await body(exchange[0]);
    const named = optionalStrings(fields, "keys");
    const aliases = optionalStrings(fields, "key_aliases");
    if (!named?.length && !aliases?.length) {
      throw GatewayError.invalidArgument("At least one of 'keys' or 'key_aliases' must be provided.", "keys");
    }
    return answer(
      exchange,
      methods.deleteKey,
      async (context) => {
        const tokenIds = named?.length ? named : await aliasedKeys(aliases ?? [], context);
        return keys.deleteKey(create(DeleteKeyRequestSchema, { keys: tokenIds }), context);
      },
      // Token ids, not the names given: those may be key values.
      (result) => ({ deleted_keys: result.deletedTokenIds }),
    );
  };

  /** Token ids of every key with one of `aliases`; NOT_FOUND if an alias names none. */
  async function aliasedKeys(aliases: readonly string[], context: HandlerContext): Promise<string[]> {
    const tokenIds: string[] = [];
    for (const alias of aliases) {
      const found = await keys.listKeys(create(ListKeysRequestSchema, { keyAlias: alias }), context);
      if (found.keys.length === 0) {
        throw new GatewayError({
          code: Code.NotFound,
          message: `no key has key_alias "${alias}"`,
          errorCode: "key_not_found",
          param: "key_aliases",
        });
      }
      tokenIds.push(...found.keys.map((key) => key.tokenId));
    }
    return tokenIds;
  }

  const regenerate =
    (pathKey: string | undefined): Route =>
    async (...exchange) => {
      const fields = await body(exchange[0]);
      if (fields.new_key !== undefined && fields.new_key !== null) {
        throw GatewayError.invalidArgument(
          "new_key is not supported: the gateway picks the new value",
          "new_key",
        );
      }
      if (fields.new_master_key !== undefined && fields.new_master_key !== null) {
        throw GatewayError.invalidArgument(
          "new_master_key is not supported: change general_settings.master_key and restart",
          "new_master_key",
        );
      }
      const key = typeof fields.key === "string" && fields.key !== "" ? fields.key : pathKey;
      if (!key) throw GatewayError.invalidArgument("No key passed in.", "key");
      return answer(
        exchange,
        methods.regenerateKey,
        async (context) => {
          // Settings first: if that fails, the old value still works and nothing is lost; the other
          // way round, a failed update would leave the caller without the new value.
          if (hasSettings(fields)) {
            await keys.updateKey(create(UpdateKeyRequestSchema, updateRequestOf(fields, key)), context);
          }
          return keys.regenerateKey(create(RegenerateKeyRequestSchema, { key }), context);
        },
        (result) => generatedKeyObject(result.key, result.info!),
      );
    };

  const block: Route = async (...exchange) => {
    const key = requiredString(await body(exchange[0]), "key");
    return answer(
      exchange,
      methods.blockKey,
      (context) => keys.blockKey(create(BlockKeyRequestSchema, { key }), context),
      (result) => keyObject(result.info!),
    );
  };

  const unblock: Route = async (...exchange) => {
    const key = requiredString(await body(exchange[0]), "key");
    return answer(
      exchange,
      methods.unblockKey,
      (context) => keys.unblockKey(create(UnblockKeyRequestSchema, { key }), context),
      (result) => keyObject(result.info!),
    );
  };

  const routes = new Map<string, { method: string; route: Route }>([
    ["/key/generate", { method: "POST", route: generate }],
    ["/key/info", { method: "GET", route: info }],
    ["/key/list", { method: "GET", route: list }],
    ["/key/update", { method: "POST", route: update }],
    ["/key/delete", { method: "POST", route: remove }],
    ["/key/regenerate", { method: "POST", route: regenerate(undefined) }],
    ["/key/block", { method: "POST", route: block }],
    ["/key/unblock", { method: "POST", route: unblock }],
  ]);

  function route(method: string, request: NodeRequest, path: string): Route | "method" | undefined {
    const fixed = routes.get(path);
    if (fixed) return method === fixed.method ? fixed.route : "method";
    const match = /^\/key\/(.+)\/regenerate$/.exec(path);
    if (!match) return undefined;
    if (method !== "POST") return "method";
    const key = decodeURIComponent(match[1]!);
    hideKeyInUrl(request, key, (name) => `/key/${name}/regenerate`);
    return regenerate(key);
  }

  return function handleKeys(request: NodeRequest, response: NodeResponse, path: string): boolean {
    if (!path.startsWith("/key/")) return false;
    const method = request.method ?? "GET";
    let handler: Route | "method" | undefined;
    try {
      handler = route(method, request, path);
    } catch {
      // decodeURIComponent on a malformed escape.
      sendOpenAIError(response, GatewayError.invalidArgument("the key in the URL is not valid", "key"));
      return true;
    }
    if (handler === undefined) return false;
    if (handler === "method") {
      sendOpenAIError(response, methodNotAllowed(method, path));
      return true;
    }
    runRoute(handler, request, response, surface);
    return true;
  };
}

/** The JSON body as an object; no body (`curl -X POST …/key/generate`) reads as `{}`. */
async function body(request: NodeRequest): Promise<Record<string, unknown>> {
  const headers = request.headers;
  // HTTP/1 framing says when there is no body at all; HTTP/2 bodies need no length, so read them.
  const none =
    headers["content-length"] === "0" ||
    (request.httpVersionMajor === 1 &&
      headers["content-length"] === undefined &&
      headers["transfer-encoding"] === undefined);
  return none ? {} : bodyObject(await readJsonBody(request, MAX_KEY_BODY_BYTES));
}

/**
 * LiteLLM puts key values in URLs (`/key/info?key=sk-…`, `/key/sk-…/regenerate`).
 * Once read, the value leaves the URL, so no log line that prints it holds the secret.
 */
function hideKeyInUrl(request: NodeRequest, key: string, url: (keyName: string) => string): void {
  if (key.startsWith("sk-")) request.url = url(keyNameOf(key));
}

function pageParameter(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const text = query.get(name);
  if (text === null || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw GatewayError.invalidArgument(
      `${name} must be a whole number from 1${max === Number.MAX_SAFE_INTEGER ? "" : ` to ${max}`}`,
      name,
    );
  }
  return value;
}
