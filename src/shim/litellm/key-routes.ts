import { Code, type HandlerContext } from "@connectrpc/connect";
import { KeyService } from "../../../gen/switchyard/v1/key_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { decodePathPart, doorRoute, doorRouteFor, type Endpoint } from "../../http/door-kit/door.js";
import { answerJson } from "../../http/door-kit/json-answer.js";
import { type DoorDeps, openAIDoor } from "../../http/door-kit/openai-door.js";
import { readJsonBody } from "../../http/door-kit/read-body.js";
import { queryOf } from "../../http/door-kit/request-parts.js";
import type { NodeRequest } from "../../http/node-http.js";
import type { Route } from "../../http/route-table.js";
import { keyNameOf } from "../../keys/virtual-key.js";
import { handlerCalls } from "../../services/handler-calls.js";
import type { KeyHandlers } from "../../services/key-service.js";
import { answerCall } from "../answer-call.js";
import { bodyObject, optionalStrings, requiredString } from "./body-fields.js";
import {
  generatedKeyObject,
  generateRequestOf,
  hasSettings,
  keyObject,
  updateRequestOf,
} from "./key-json.js";

export interface KeyRoutesDeps extends DoorDeps {
  readonly keys: KeyHandlers;
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
 */
export function keyRoutes(deps: KeyRoutesDeps): Route[] {
  const methods = KeyService.method;
  const rpc = handlerCalls(KeyService, deps.keys);
  const door = openAIDoor(deps);

  const generate: Endpoint = async (...exchange) => {
    const request = generateRequestOf(await body(exchange[0]));
    return answerCall(exchange, rpc("generateKey", request), (result) =>
      generatedKeyObject(result.key, result.info!),
    );
  };

  const info: Endpoint = async (...exchange) => {
    const [request, , principal] = exchange;
    const given = queryOf(request).get("key") ?? "";
    hideKeyInUrl(request, given, (name) => `/key/info?key=${name}`);
    // Without ?key=, LiteLLM answers with the caller's own key.
    const key = given || (principal.kind === "virtual_key" ? principal.key.tokenId : "");
    if (key === "") throw GatewayError.invalidArgument("key is required (?key=sk-… or its token id)", "key");
    return answerCall(exchange, rpc("getKey", { key }), (result) => {
      // The token id, even when asked by value: info never holds a key's value.
      const { token, ...settings } = keyObject(result.info!);
      return { key: token, info: settings };
    });
  };

  const list: Endpoint = async (...exchange) => {
    const query = queryOf(exchange[0]);
    const page = pageParameter(query, "page", 1, Number.MAX_SAFE_INTEGER);
    const size = pageParameter(query, "size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const keyHash = query.get("key_hash") || undefined;
    const full = query.get("return_full_object") === "true";
    return answerCall(exchange, rpc("listKeys", { keyAlias: query.get("key_alias") ?? "" }), (result) => {
      const found = keyHash ? result.keys.filter((key) => key.tokenId === keyHash) : result.keys;
      const shown = found.slice((page - 1) * size, page * size);
      return {
        keys: full ? shown.map(keyObject) : shown.map((key) => key.tokenId),
        total_count: found.length,
        current_page: page,
        total_pages: Math.ceil(found.length / size),
      };
    });
  };

  const update: Endpoint = async (...exchange) => {
    const fields = await body(exchange[0]);
    const key = requiredString(fields, "key");
    const request = updateRequestOf(fields, key);
    return answerCall(
      exchange,
      rpc("updateKey", request),
      // LiteLLM echoes `key`; the token id instead, since it may have been given by value.
      (result) => ({ ...keyObject(result.info!), key: result.info!.tokenId }),
    );
  };

  const remove: Endpoint = async (...exchange) => {
    const fields = await body(exchange[0]);
    const named = optionalStrings(fields, "keys");
    const aliases = optionalStrings(fields, "key_aliases");
    if (!named?.length && !aliases?.length) {
      throw GatewayError.invalidArgument("At least one of 'keys' or 'key_aliases' must be provided.", "keys");
    }
    return answerJson(
      methods.deleteKey,
      exchange,
      async (context) => {
        const tokenIds = named?.length ? named : await aliasedKeys(aliases ?? [], context);
        return rpc("deleteKey", { keys: tokenIds }).run(context);
      },
      // Token ids, not the names given: those may be key values.
      (result) => ({ deleted_keys: result.deletedTokenIds }),
    );
  };

  /** Token ids of every key with one of `aliases`; NOT_FOUND if an alias names none. */
  async function aliasedKeys(aliases: readonly string[], context: HandlerContext): Promise<string[]> {
    const tokenIds: string[] = [];
    for (const alias of aliases) {
      const found = await rpc("listKeys", { keyAlias: alias }).run(context);
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
    (pathKey: string | undefined): Endpoint =>
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
      return answerJson(
        methods.regenerateKey,
        exchange,
        async (context) => {
          // Settings first: if that fails, the old value still works and nothing is lost; the other
          // way round, a failed update would leave the caller without the new value.
          if (hasSettings(fields)) {
            await rpc("updateKey", updateRequestOf(fields, key)).run(context);
          }
          return rpc("regenerateKey", { key }).run(context);
        },
        (result) => generatedKeyObject(result.key, result.info!),
      );
    };

  /** `/key/block` and `/key/unblock` alike: `{key}` in, the key's settings out. */
  const blocking =
    (name: "blockKey" | "unblockKey"): Endpoint =>
    async (...exchange) => {
      const key = requiredString(await body(exchange[0]), "key");
      return answerCall(exchange, rpc(name, { key }), (result) => keyObject(result.info!));
    };

  return [
    doorRoute(door, "POST", "/key/generate", generate),
    doorRoute(door, "GET", "/key/info", info),
    doorRoute(door, "GET", "/key/list", list),
    doorRoute(door, "POST", "/key/update", update),
    doorRoute(door, "POST", "/key/delete", remove),
    doorRoute(door, "POST", "/key/regenerate", regenerate(undefined)),
    doorRoute(door, "POST", "/key/block", blocking("blockKey")),
    doorRoute(door, "POST", "/key/unblock", blocking("unblockKey")),
    doorRouteFor(door, "POST", "/key/{key}/regenerate", ({ params }, request) => {
      const key = decodePathPart(params.key!, "the key in the URL is not valid", "key");
      hideKeyInUrl(request, key, (name) => `/key/${name}/regenerate`);
      return regenerate(key);
    }),
  ];
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
