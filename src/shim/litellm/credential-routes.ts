import { create, type DescMethod, type JsonObject } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  CreateCredentialRequestSchema,
  type Credential,
  CredentialSchema,
  CredentialService,
  DeleteCredentialRequestSchema,
  FinishSaltKeyRotationRequestSchema,
  GetCredentialRequestSchema,
  GetModelCredentialRequestSchema,
  ListCredentialsRequestSchema,
  RotateSaltKeyRequestSchema,
  UpdateCredentialRequestSchema,
} from "../../../gen/switchyard/v1/credential_pb.js";
import type { Authenticator } from "../../auth/authenticator.js";
import { credentialSourceName } from "../../credentials/credential-source-name.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { NodeRequest, NodeResponse } from "../../http/node-http.js";
import { readJsonBody } from "../../http/read-json-body.js";
import type { CredentialHandlers } from "../../services/credential-service.js";
import { openAIRestSurface, sendOpenAIError } from "../openai/openai-routes.js";
import { answerJson, type Exchange, methodNotAllowed, type Route, runRoute } from "../run-route.js";

export interface CredentialRoutesDeps {
  readonly credentials: CredentialHandlers;
  readonly authenticator: Authenticator;
  /** Called with errors that are the gateway's fault (5xx), for logging. */
  readonly onError?: (error: GatewayError, request: NodeRequest) => void;
}

/** Credential bodies are a few secrets and some metadata. */
const MAX_CREDENTIAL_BODY_BYTES = 1024 * 1024;

/**
 * LiteLLM's credential management routes as a codec onto the Credential
 * service (BerriAI/litellm litellm/proxy/credential_endpoints/endpoints.py):
 * `POST /credentials` (values, or `model_id` to copy a deployment's),
 * `GET /credentials`, `GET /credentials/by_name/{name}`,
 * `GET /credentials/by_model/{model_id}`, `PATCH /credentials/{name}` (merges
 * values and info as LiteLLM does; a `credential_name` in the body renames; a
 * null value removes that key, which LiteLLM cannot do),
 * `DELETE /credentials/{name}`, with LiteLLM's bodies
 * (`{credential_name, credential_values, credential_info}`; writes answer
 * `{success, message}`, the list `{success, credentials}`; credentials read
 * also say their `source`, "db" or "config"). Switchyard's own:
 * `POST /credentials/rotate-salt-key` `{old_salt_key, new_salt_key}` and
 * `POST /credentials/rotate-salt-key/finish`. Names may hold slashes, as in
 * LiteLLM. Errors in OpenAI's error JSON.
 *
 * Returns a handler that answers and returns true for these paths, false otherwise.
 */
export function createCredentialRoutes(deps: CredentialRoutesDeps) {
  const { credentials } = deps;
  const methods = CredentialService.method;
  const surface = openAIRestSurface(deps);

  const answer = <Result>(
    exchange: Exchange,
    method: DescMethod,
    invoke: (context: HandlerContext) => Promise<Result>,
    encode: (result: Result) => unknown,
  ) => answerJson(CredentialService, method, exchange, invoke, encode);

  const createCredential: Route = async (...exchange) => {
    const body = credentialBody(await readJsonBody(exchange[0], MAX_CREDENTIAL_BODY_BYTES));
    const request = create(CreateCredentialRequestSchema, {
      credential: create(CredentialSchema, {
        credentialName: body.name ?? "",
        credentialValues: body.values ?? {},
        credentialInfo: body.info,
      }),
      modelId: body.modelId ?? "",
    });
    return answer(
      exchange,
      methods.createCredential,
      (context) => credentials.createCredential(request, context),
      () => ({ success: true, message: "Credential created successfully" }),
    );
  };

  const listCredentials: Route = (...exchange) =>
    answer(
      exchange,
      methods.listCredentials,
      (context) => credentials.listCredentials(create(ListCredentialsRequestSchema), context),
      (result) => ({ success: true, credentials: result.credentials.map(encodeCredential) }),
    );

  const getCredential =
    (name: string): Route =>
    (...exchange) =>
      answer(
        exchange,
        methods.getCredential,
        (context) =>
          credentials.getCredential(create(GetCredentialRequestSchema, { credentialName: name }), context),
        (result) => encodeCredential(result.credential!),
      );

  const updateCredential =
    (name: string): Route =>
    async (...exchange) => {
      const body = credentialBody(await readJsonBody(exchange[0], MAX_CREDENTIAL_BODY_BYTES));
      const request = create(UpdateCredentialRequestSchema, {
        credentialName: name,
        credentialValues: body.values ?? {},
        credentialInfo: body.info,
        newCredentialName: body.name ?? "",
        removedValueKeys: body.removedKeys ?? [],
      });
      return answer(
        exchange,
        methods.updateCredential,
        (context) => credentials.updateCredential(request, context),
        () => ({ success: true, message: "Credential updated successfully" }),
      );
    };

  const deleteCredential =
    (name: string): Route =>
    (...exchange) =>
      answer(
        exchange,
        methods.deleteCredential,
        (context) =>
          credentials.deleteCredential(
            create(DeleteCredentialRequestSchema, { credentialName: name }),
            context,
          ),
        () => ({ success: true, message: "Credential deleted successfully" }),
      );

  const getModelCredential =
    (modelId: string): Route =>
    (...exchange) =>
      answer(
        exchange,
        methods.getModelCredential,
        (context) =>
          credentials.getModelCredential(create(GetModelCredentialRequestSchema, { modelId }), context),
        (result) => encodeCredential(result.credential!),
      );

  const rotateSaltKey: Route = async (...exchange) => {
    const body = rotationBody(await readJsonBody(exchange[0], MAX_CREDENTIAL_BODY_BYTES));
    const request = create(RotateSaltKeyRequestSchema, body);
    return answer(
      exchange,
      methods.rotateSaltKey,
      (context) => credentials.rotateSaltKey(request, context),
      (result) => ({
        success: true,
        message: "Salt key rotated",
        credentials_rewritten: result.credentialsRewritten,
      }),
    );
  };

  const finishSaltKeyRotation: Route = (...exchange) =>
    answer(
      exchange,
      methods.finishSaltKeyRotation,
      (context) => credentials.finishSaltKeyRotation(create(FinishSaltKeyRotationRequestSchema), context),
      () => ({ success: true, message: "Salt key rotation finished" }),
    );

  function route(method: string, path: string): Route | "method" | undefined {
    if (path === "/credentials") {
      if (method === "POST") return createCredential;
      return method === "GET" ? listCredentials : "method";
    }
    if (!path.startsWith("/credentials/")) return undefined;
    const rest = path.slice("/credentials/".length);
    if (method === "POST" && rest === "rotate-salt-key") return rotateSaltKey;
    if (method === "POST" && rest === "rotate-salt-key/finish") return finishSaltKeyRotation;
    if (rest.startsWith("by_name/")) {
      return method === "GET" ? getCredential(decodeURIComponent(rest.slice("by_name/".length))) : "method";
    }
    if (rest.startsWith("by_model/")) {
      return method === "GET"
        ? getModelCredential(decodeURIComponent(rest.slice("by_model/".length)))
        : "method";
    }
    const name = decodeURIComponent(rest);
    if (method === "PATCH") return updateCredential(name);
    return method === "DELETE" ? deleteCredential(name) : "method";
  }

  return function handleCredentials(request: NodeRequest, response: NodeResponse, path: string): boolean {
    const method = request.method ?? "GET";
    let handler: Route | "method" | undefined;
    try {
      handler = route(method, path);
    } catch {
      // decodeURIComponent on a malformed escape.
      sendOpenAIError(response, GatewayError.invalidArgument("the credential name in the URL is not valid"));
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

/** LiteLLM's CredentialItem, values already masked by the service; `source` when the service says it. */
function encodeCredential(credential: Credential) {
  const source = credentialSourceName(credential.source);
  return {
    credential_name: credential.credentialName,
    credential_values: credential.credentialValues,
    credential_info: credential.credentialInfo ?? {},
    ...(source && { source }),
  };
}

interface CredentialBody {
  name?: string;
  values?: Record<string, string>;
  /** Keys whose value is null: removed by an update. */
  removedKeys?: string[];
  info?: JsonObject;
  modelId?: string;
}

/** `{old_salt_key, new_salt_key}`; the messages name the fields, never a value. */
function rotationBody(body: unknown): { oldSaltKey: string; newSaltKey: string } {
  if (!isRecord(body)) throw GatewayError.invalidArgument("request body must be a JSON object");
  const field = (name: string): string => {
    const value = body[name];
    if (typeof value !== "string" || value === "")
      throw GatewayError.invalidArgument(`${name} is required`, name);
    return value;
  };
  return { oldSaltKey: field("old_salt_key"), newSaltKey: field("new_salt_key") };
}

/**
 * `{credential_name, credential_values, credential_info, model_id}`; numbers
 * and booleans in values become text, a null value is a key to remove.
 */
function credentialBody(body: unknown): CredentialBody {
  if (!isRecord(body)) throw GatewayError.invalidArgument("request body must be a JSON object");
  const decoded: CredentialBody = {};
  const name = body.credential_name;
  if (name !== undefined && name !== null) {
    if (typeof name !== "string")
      throw GatewayError.invalidArgument("credential_name must be a string", "credential_name");
    decoded.name = name;
  }
  const values = body.credential_values;
  if (values !== undefined && values !== null) {
    if (!isRecord(values)) {
      throw GatewayError.invalidArgument("credential_values must be an object", "credential_values");
    }
    decoded.values = {};
    for (const [field, value] of Object.entries(values)) {
      if (typeof value === "string") decoded.values[field] = value;
      else if (typeof value === "number" || typeof value === "boolean") decoded.values[field] = String(value);
      else if (value === null) decoded.removedKeys = [...(decoded.removedKeys ?? []), field];
      else {
        // Names the field, never the value.
        throw GatewayError.invalidArgument(
          `credential_values.${field} must be a string`,
          `credential_values.${field}`,
        );
      }
    }
  }
  const info = body.credential_info;
  if (info !== undefined && info !== null) {
    if (!isRecord(info))
      throw GatewayError.invalidArgument("credential_info must be an object", "credential_info");
    decoded.info = info as JsonObject;
  }
  const modelId = body.model_id;
  if (modelId !== undefined && modelId !== null) {
    if (typeof modelId !== "string")
      throw GatewayError.invalidArgument("model_id must be a string", "model_id");
    decoded.modelId = modelId;
  }
  return decoded;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
