import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Usage } from "../../../gen/switchyard/v1/chat_pb.js";
import { isJsonObject } from "./json-object.js";
import type { OpenAIUsage } from "./openai-types.js";
import { attachUsage, decodeUsage } from "./usage.js";

/** Unix seconds as int64; anything but a finite number is 0. */
export function decodeCreated(value: JsonValue | undefined): bigint {
  return typeof value === "number" && Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
}

/** What an upstream's chat or text completion body carries beside its choices; a wrong type reads as unset. */
export function decodeCompletionFields(json: JsonObject): {
  id: string;
  created: bigint;
  model: string;
  usage: Usage | undefined;
  systemFingerprint: string;
} {
  return {
    id: typeof json.id === "string" ? json.id : "",
    created: decodeCreated(json.created),
    model: typeof json.model === "string" ? json.model : "",
    usage: decodeUsage(json.usage),
    systemFingerprint: typeof json.system_fingerprint === "string" ? json.system_fingerprint : "",
  };
}

/** The fields decodeCompletionFields reads, as a streamed chunk or text completion carries them. */
interface CompletionFields {
  readonly id: string;
  readonly created: bigint;
  readonly model: string;
  readonly usage?: Usage;
  readonly systemFingerprint: string;
}

/**
 * A chunk or text completion as OpenAI writes it around its encoded
 * choices: `system_fingerprint` when known, usage as attachUsage decides.
 */
export function encodeCompletionFields<Kind extends string, Choice>(
  message: CompletionFields,
  object: Kind,
  choices: Choice[],
  includeUsage: boolean | undefined,
): {
  id: string;
  object: Kind;
  created: number;
  model: string;
  choices: Choice[];
  system_fingerprint?: string;
  usage?: OpenAIUsage | null;
} {
  const encoded: ReturnType<typeof encodeCompletionFields<Kind, Choice>> = {
    id: message.id,
    object,
    created: Number(message.created),
    model: message.model,
    choices,
  };
  if (message.systemFingerprint !== "") encoded.system_fingerprint = message.systemFingerprint;
  attachUsage(encoded, message.usage, includeUsage);
  return encoded;
}

/**
 * The upstream's `choices` entries that are objects, each decoded with its
 * index: the one it states, else its position. Anything else in the array
 * (or no array) is skipped, not an error.
 */
export function decodeChoices<Choice>(
  rawChoices: JsonValue | undefined,
  decode: (choice: JsonObject, index: number) => Choice,
): Choice[] {
  const choices: Choice[] = [];
  if (!Array.isArray(rawChoices)) return choices;
  for (let position = 0; position < rawChoices.length; position++) {
    const choice = rawChoices[position];
    if (isJsonObject(choice))
      choices.push(decode(choice, typeof choice.index === "number" ? choice.index : position));
  }
  return choices;
}
