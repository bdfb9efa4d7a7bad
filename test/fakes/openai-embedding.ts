import { countWords, isRecord } from "./openai-chat-answer.js";

/**
 * The fake upstream's embeddings: a deterministic vector per input text (8
 * dimensions unless `dimensions` asks otherwise). Every value is k/256 with
 * |k| ≤ 256, so it is exactly representable as float32 and survives the
 * base64 round trip unchanged: tests can compare the SDK's decoded floats
 * with `fakeEmbedding(text)` using `toEqual`.
 */

export const defaultEmbeddingDimensions = 8;

/** FNV-1a over the UTF-16 code units, mixed with the dimension index. */
function hash(text: string, dimension: number): number {
  let value = 0x811c9dc5 ^ dimension;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  value ^= value >>> 15;
  value = Math.imul(value, 0x2c1b3c6d);
  return (value ^ (value >>> 12)) >>> 0;
}

export function fakeEmbedding(text: string, dimensions = defaultEmbeddingDimensions): number[] {
  const vector: number[] = [];
  for (let dimension = 0; dimension < dimensions; dimension++) {
    vector.push(((hash(text, dimension) % 513) - 256) / 256);
  }
  return vector;
}

/** OpenAI's base64 encoding: the little-endian float32 bytes of the vector. */
export function toBase64Float32(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => {
    bytes.writeFloatLE(value, index * 4);
  });
  return bytes.toString("base64");
}

/** Input forms OpenAI accepts: string, string[], token ids, or arrays of token ids. */
function inputTexts(input: unknown): string[] | undefined {
  if (typeof input === "string") return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === "string")) return input;
  if (input.every((item) => typeof item === "number")) return [input.join(" ")];
  if (input.every((item) => Array.isArray(item))) return input.map((tokens: unknown[]) => tokens.join(" "));
  return undefined;
}

export type EmbeddingsResult =
  | { readonly ok: true; readonly response: Record<string, unknown> }
  | { readonly ok: false; readonly message: string; readonly param: string };

export function answerEmbeddings(body: unknown): EmbeddingsResult {
  if (!isRecord(body) || typeof body.model !== "string") {
    return { ok: false, message: "you must provide a model parameter", param: "model" };
  }
  const texts = inputTexts(body.input);
  if (!texts) return { ok: false, message: "'input' is invalid.", param: "input" };
  const dimensions =
    typeof body.dimensions === "number" && body.dimensions > 0 ? body.dimensions : defaultEmbeddingDimensions;
  const base64 = body.encoding_format === "base64";
  let tokens = 0;
  const data = texts.map((text, index) => {
    tokens += countWords(text);
    const vector = fakeEmbedding(text, dimensions);
    return { object: "embedding", index, embedding: base64 ? toBase64Float32(vector) : vector };
  });
  return {
    ok: true,
    response: {
      object: "list",
      data,
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}
