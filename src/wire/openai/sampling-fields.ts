import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { GatewayError } from "../../errors/gateway-error.js";
import { invalidField, optionalInt32, optionalNumber, optionalString } from "./request-fields.js";

/**
 * What OpenAI's chat and text completion bodies share beside the prompt:
 * sampling and the caller's `user`, read (and refused) and written the same
 * way by both request codecs.
 */

const INT64_BOUND = 2 ** 63;

/** The shared fields as both proto requests name them. */
export interface SamplingFields {
  temperature?: number;
  topP?: number;
  stop: string[];
  seed?: bigint;
  n?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  user: string;
}

/** The shared fields as both OpenAI bodies name them. */
interface OpenAISamplingFields {
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  n?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  user?: string;
}

export function decodeSamplingFields(body: JsonObject): SamplingFields {
  return {
    temperature: optionalNumber(body, "temperature", ""),
    topP: optionalNumber(body, "top_p", ""),
    stop: decodeStop(body.stop),
    seed: decodeSeed(body.seed),
    n: optionalInt32(body, "n", ""),
    presencePenalty: optionalNumber(body, "presence_penalty", ""),
    frequencyPenalty: optionalNumber(body, "frequency_penalty", ""),
    user: optionalString(body, "user", "") ?? "",
  };
}

/** Writes the fields that are set into an upstream body; unset ones are left out. */
export function encodeSamplingFields(fields: SamplingFields, body: OpenAISamplingFields): void {
  if (fields.temperature !== undefined) body.temperature = fields.temperature;
  if (fields.topP !== undefined) body.top_p = fields.topP;
  if (fields.stop.length > 0) body.stop = fields.stop;
  if (fields.seed !== undefined) body.seed = Number(fields.seed);
  if (fields.n !== undefined) body.n = fields.n;
  if (fields.presencePenalty !== undefined) body.presence_penalty = fields.presencePenalty;
  if (fields.frequencyPenalty !== undefined) body.frequency_penalty = fields.frequencyPenalty;
  if (fields.user !== "") body.user = fields.user;
}

/** `stop`: a string or an array of strings. */
function decodeStop(value: JsonValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) throw invalidField("", "stop", "a string or an array of strings");
  for (let index = 0; index < value.length; index++) {
    if (typeof value[index] !== "string") {
      throw GatewayError.invalidArgument(`'stop[${index}]' must be a string`, `stop[${index}]`);
    }
  }
  // Every element was checked to be a string: the parsed array is used as is.
  return value as string[];
}

/** `seed`: an integer within int64. */
function decodeSeed(value: JsonValue | undefined): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < -INT64_BOUND || value >= INT64_BOUND) {
    throw invalidField("", "seed", "an integer");
  }
  return BigInt(value);
}
