/**
 * The checks the SDK's JSON mapping does not make: it fills in defaults where
 * the A2A schema of each version requires a value (a v1.0 message without a
 * role becomes ROLE_UNSPECIFIED, an empty parts list passes, a negative
 * historyLength is taken as is). Each check returns what is wrong, in the
 * caller's field names, or undefined; the JSON-RPC door answers -32602.
 */

type Json = Record<string, unknown>;
type Check = (params: Json) => string | undefined;

const V1_ROLES = new Set(["ROLE_USER", "ROLE_AGENT", 1, 2]);
const V1_STATES = new Set([
  "TASK_STATE_SUBMITTED",
  "TASK_STATE_WORKING",
  "TASK_STATE_COMPLETED",
  "TASK_STATE_FAILED",
  "TASK_STATE_CANCELED",
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_REJECTED",
  "TASK_STATE_AUTH_REQUIRED",
]);
const V1_PART_CONTENTS = ["text", "raw", "url", "data"] as const;
const V03_ROLES = new Set(["user", "agent"]);
/** RFC 3339, as protobuf's JSON mapping writes google.protobuf.Timestamp. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Whether a JSON-RPC `id` is one the protocol allows: a string, an integer or null (or absent). */
export function isValidRequestId(id: unknown): boolean {
  return id === undefined || id === null || typeof id === "string" || Number.isInteger(id);
}

/** What is wrong with the params of an A2A method, in the given protocol version; undefined when nothing. */
export function invalidParams(version: "1.0" | "0.3", method: string, params: Json): string | undefined {
  const checks = (version === "1.0" ? V1_CHECKS : V03_CHECKS)[method];
  if (!checks) return undefined;
  for (const check of checks) {
    const problem = check(params);
    if (problem) return problem;
  }
  return undefined;
}

const taskId: Check = (params) => nonEmptyString(params.id, "id");
const historyLength: Check = (params) => nonNegativeInteger(params.historyLength, "historyLength");

const V1_CHECKS: Readonly<Record<string, readonly Check[]>> = {
  SendMessage: [v1Message, configuration],
  SendStreamingMessage: [v1Message, configuration],
  GetTask: [taskId, historyLength],
  CancelTask: [taskId],
  SubscribeToTask: [taskId],
  ListTasks: [historyLength, listTasks],
};

const V03_CHECKS: Readonly<Record<string, readonly Check[]>> = {
  "message/send": [v03Message, configuration],
  "message/stream": [v03Message, configuration],
  "tasks/get": [taskId, historyLength],
  "tasks/cancel": [taskId],
  "tasks/resubscribe": [taskId],
};

function v1Message(params: Json): string | undefined {
  const message = params.message;
  if (!isObject(message)) return "message is required";
  if (!V1_ROLES.has(message.role as string)) return "message.role is required: ROLE_USER or ROLE_AGENT";
  return (
    nonEmptyString(message.messageId, "message.messageId") ??
    parts(message.parts, "message.parts", (part, path) => {
      const present = V1_PART_CONTENTS.filter((field) => part[field] !== undefined && part[field] !== null);
      if (present.length !== 1) return `${path} must have exactly one of text, raw, url or data`;
      if (present[0] === "text" && typeof part.text !== "string") return `${path}.text must be a string`;
      if ((present[0] === "raw" || present[0] === "url") && typeof part[present[0]] !== "string")
        return `${path}.${present[0]} must be a string`;
      return undefined;
    })
  );
}

function v03Message(params: Json): string | undefined {
  const message = params.message;
  if (!isObject(message)) return "message is required";
  if (!V03_ROLES.has(message.role as string)) return 'message.role is required: "user" or "agent"';
  if (message.kind !== undefined && message.kind !== "message") return 'message.kind must be "message"';
  return (
    nonEmptyString(message.messageId, "message.messageId") ??
    parts(message.parts, "message.parts", (part, path) => {
      if (part.kind === "text")
        return typeof part.text === "string" ? undefined : `${path}.text must be a string`;
      if (part.kind === "data") return isObject(part.data) ? undefined : `${path}.data must be an object`;
      if (part.kind === "file") {
        const file = part.file;
        const ok = isObject(file) && (typeof file.bytes === "string" || typeof file.uri === "string");
        return ok ? undefined : `${path}.file must have bytes or uri`;
      }
      return `${path}.kind must be "text", "file" or "data"`;
    })
  );
}

function configuration(params: Json): string | undefined {
  const value = params.configuration;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return "configuration must be an object";
  const modes = value.acceptedOutputModes;
  if (modes !== undefined && !(Array.isArray(modes) && modes.every((mode) => typeof mode === "string")))
    return "configuration.acceptedOutputModes must be a list of strings";
  return nonNegativeInteger(value.historyLength, "configuration.historyLength");
}

function listTasks(params: Json): string | undefined {
  const { pageSize, pageToken, status, statusTimestampAfter, contextId } = params;
  if (
    pageSize !== undefined &&
    !(Number.isInteger(pageSize) && (pageSize as number) >= 1 && (pageSize as number) <= 100)
  )
    return "pageSize must be an integer from 1 to 100";
  if (contextId !== undefined && typeof contextId !== "string") return "contextId must be a string";
  if (
    status !== undefined &&
    status !== "TASK_STATE_UNSPECIFIED" &&
    status !== 0 &&
    !V1_STATES.has(status as string)
  )
    return `status must be a task state such as TASK_STATE_WORKING, not ${JSON.stringify(status)}`;
  if (statusTimestampAfter !== undefined) {
    const valid =
      typeof statusTimestampAfter === "string" &&
      TIMESTAMP.test(statusTimestampAfter) &&
      !Number.isNaN(Date.parse(statusTimestampAfter));
    if (!valid) return "statusTimestampAfter must be an RFC 3339 timestamp, e.g. 2026-01-01T00:00:00Z";
  }
  if (pageToken !== undefined && pageToken !== "" && !isPageToken(pageToken))
    return "pageToken is not one this server gave out";
  return undefined;
}

/** Our page tokens (StoreTaskStore, as the SDK's in-memory store): base64 of `timestamp|id`. */
export function isPageToken(token: unknown): boolean {
  if (typeof token !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return false;
  const [timestamp, ...id] = Buffer.from(token, "base64").toString("utf8").split("|");
  return id.length > 0 && id.join("|") !== "" && !Number.isNaN(Date.parse(timestamp ?? ""));
}

function parts(
  value: unknown,
  path: string,
  checkPart: (part: Json, path: string) => string | undefined,
): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return `${path} must hold at least one part`;
  for (const [index, part] of value.entries()) {
    if (!isObject(part)) return `${path}[${index}] must be an object`;
    const problem = checkPart(part, `${path}[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

function nonEmptyString(value: unknown, path: string): string | undefined {
  return typeof value === "string" && value !== "" ? undefined : `${path} is required`;
}

function nonNegativeInteger(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Number.isInteger(value) && (value as number) >= 0
    ? undefined
    : `${path} must be a non-negative integer`;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
