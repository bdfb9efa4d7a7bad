import type { JsonObject } from "@bufbuild/protobuf";
import { type Credential, CredentialService } from "../../../gen/switchyard/v1/credential_pb.js";
import { credentialSourceName } from "../../credentials/credential-source-name.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { decodePathPart, doorRoute, doorRouteFor, type Endpoint } from "../../http/door-kit/door.js";
import { type DoorDeps, openAIDoor } from "../../http/door-kit/openai-door.js";
import { readJsonBody } from "../../http/door-kit/read-body.js";
import type { RouteMatch } from "../../http/route-pattern.js";
import type { Route } from "../../http/route-table.js";
import type { CredentialHandlers } from "../../services/credential-service.js";
import { handlerCalls } from "../../services/handler-calls.js";
import { answerCall } from "../answer-call.js";
import { bodyObject, optionalObject, optionalString } from "./body-fields.js";

export interface CredentialRoutesDeps extends DoorDeps {
  readonly credentials: CredentialHandlers;
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
 */
export function credentialRoutes(deps: CredentialRoutesDeps): Route[] {
  const rpc = handlerCalls(CredentialService, deps.credentials);
  const door = openAIDoor(deps);

  const createCredential: Endpoint = async (...exchange) => {
    const body = credentialBody(await readJsonBody(exchange[0], MAX_CREDENTIAL_BODY_BYTES));
    const request = {
      credential: {
        credentialName: body.name ?? "",
        credentialValues: body.values ?? {},
        credentialInfo: body.info,
      },
      modelId: body.modelId ?? "",
    };
    return answerCall(exchange, rpc("createCredential", request), written("Credential created successfully"));
  };

  const listCredentials: Endpoint = (...exchange) =>
    answerCall(exchange, rpc("listCredentials"), (result) => ({
      success: true,
      credentials: result.credentials.map(encodeCredential),
    }));

  const getCredential =
    (name: string): Endpoint =>
    (...exchange) =>
      answerCall(exchange, rpc("getCredential", { credentialName: name }), (result) =>
        encodeCredential(result.credential!),
      );

  const updateCredential =
    (name: string): Endpoint =>
    async (...exchange) => {
      const body = credentialBody(await readJsonBody(exchange[0], MAX_CREDENTIAL_BODY_BYTES));
      const request = {
        credentialName: name,
        credentialValues: body.values ?? {},
        credentialInfo: body.info,
        newCredentialName: body.name ?? "",
        removedValueKeys: body.removedKeys ?? [],
      };
      return answerCall(
        exchange,
        rpc("updateCredential", request),
        written("Credential updated successfully"),
      );
    };

  const deleteCredential =
    (name: string): Endpoint =>
    (...exchange) =>
      answerCall(
        exchange,
        rpc("deleteCredential", { credentialName: name }),
        written("Credential deleted successfully"),
      );

  const getModelCredential =
    (modelId: string): Endpoint =>
    (...exchange) =>
      answerCall(exchange, rpc("getModelCredential", { modelId }), (result) =>
        encodeCredential(result.credential!),
      );

  const rotateSaltKey: Endpoint = async (...exchange) => {
    const body = rotationBody(await readJsonBody(exchange[0], MAX_CREDENTIAL_BODY_BYTES));
    return answerCall(exchange, rpc("rotateSaltKey", body), (result) => ({
      success: true,
      message: "Salt key rotated",
      credentials_rewritten: result.credentialsRewritten,
    }));
  };

  const finishSaltKeyRotation: Endpoint = (...exchange) =>
    answerCall(exchange, rpc("finishSaltKeyRotation"), written("Salt key rotation finished"));

  /** The endpoint for the credential named by the path after `prefix` (names may hold slashes). */
  const named =
    (prefix: string, endpointFor: (name: string) => Endpoint) =>
    ({ path }: RouteMatch): Endpoint =>
      endpointFor(decodePathPart(path.slice(prefix.length), "the credential name in the URL is not valid"));
  const byName = "/credentials/";
  const rotation = ["/credentials/rotate-salt-key", "/credentials/rotate-salt-key/finish"];
  return [
    doorRoute(door, "POST", "/credentials", createCredential),
    doorRoute(door, "GET", "/credentials", listCredentials),
    doorRoute(door, "POST", rotation[0]!, rotateSaltKey),
    doorRoute(door, "POST", rotation[1]!, finishSaltKeyRotation),
    doorRouteFor(door, "GET", "/credentials/by_name/*", named("/credentials/by_name/", getCredential)),
    doorRouteFor(door, "GET", "/credentials/by_model/*", named("/credentials/by_model/", getModelCredential)),
    // A credential may be named like the rotation paths: PATCH and DELETE there are its own.
    ...["/credentials/*", ...rotation].flatMap((path) => [
      doorRouteFor(door, "PATCH", path, named(byName, updateCredential)),
      doorRouteFor(door, "DELETE", path, named(byName, deleteCredential)),
    ]),
  ];
}

/** LiteLLM's answer to a write. */
function written(message: string) {
  return () => ({ success: true, message });
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
  const fields = bodyObject(body);
  const field = (name: string): string => {
    const value = fields[name];
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
  const fields = bodyObject(body);
  const decoded: CredentialBody = {};
  const name = optionalString(fields, "credential_name");
  if (name !== undefined) decoded.name = name;
  const values = optionalObject(fields, "credential_values");
  if (values !== undefined) {
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
  const info = optionalObject(fields, "credential_info");
  if (info !== undefined) decoded.info = info as JsonObject;
  const modelId = optionalString(fields, "model_id");
  if (modelId !== undefined) decoded.modelId = modelId;
  return decoded;
}
