import { modelCatalog } from "../../catalog/model-catalog.js";
import { publicParams } from "../../models/public-params.js";
import type { ModelEntry } from "../../models/served-models.js";

/**
 * LiteLLM's model views (BerriAI/litellm proxy/proxy_server.py `model_info_v1`, `model_info_v2`,
 * `model_group_info`), built from the config and the deployments: what a deployment serves, its
 * limits and prices. Secrets never appear: api keys, AWS/GCP credentials and anything key-like in
 * litellm_params are left out.
 */

/** Model-name hints of a mode, for models LiteLLM's map does not know; the first match wins. */
const modeHints: readonly (readonly [RegExp, string])[] = [
  [/embed/, "embedding"],
  [/rerank/, "rerank"],
  [/moderation/, "moderation"],
  [/dall-e|gpt-image|imagen|stable-diffusion/, "image_generation"],
  [/whisper|transcribe/, "audio_transcription"],
  [/tts/, "audio_speech"],
];

/**
 * The model's mode as LiteLLM reports it: model_info's, else its model
 * map's (`image_generation`, `moderation`, `audio_speech`, …), else guessed
 * from the name.
 */
function modeOf(entry: ModelEntry): string {
  const mode = entry.config.modelInfo.mode;
  if (typeof mode === "string" && mode !== "") return mode;
  const model = entry.config.params.providerModel.toLowerCase();
  const known = modelCatalog().get(model)?.mode;
  if (known) return known;
  for (const [hint, hinted] of modeHints) if (hint.test(model)) return hinted;
  return "chat";
}

function numberOr<Fallback>(value: unknown, fallback: Fallback): number | Fallback {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** model_info for /model/info: the configured fields first, then what the gateway knows. */
export function modelInfoOf(entry: ModelEntry): Record<string, unknown> {
  const { config, deployment } = entry;
  const written = config.modelInfo;
  const maxInput = numberOr(written.max_input_tokens ?? written.max_tokens, null);
  return {
    ...written,
    id: deployment.id,
    db_model: entry.stored,
    key: config.params.providerModel,
    litellm_provider: deployment.providerName,
    mode: modeOf(entry),
    max_tokens: numberOr(written.max_tokens, maxInput),
    max_input_tokens: maxInput,
    max_output_tokens: numberOr(written.max_output_tokens, null),
    input_cost_per_token: deployment.price?.input ?? null,
    output_cost_per_token: deployment.price?.output ?? null,
    cache_read_input_token_cost: deployment.price?.cacheRead ?? null,
    cache_creation_input_token_cost: deployment.price?.cacheWrite ?? null,
    supports_function_calling: written.supports_function_calling ?? null,
    supports_vision: written.supports_vision ?? null,
  };
}

/** One entry of /model/info's `data`. */
export function modelInfoEntry(entry: ModelEntry) {
  return {
    model_name: entry.config.modelName,
    litellm_params: publicParams(entry.config),
    model_info: modelInfoOf(entry),
  };
}

/** One entry of /model_group/info's `data`: a group summarised over its deployments. */
export function modelGroupEntry(group: string, entries: readonly ModelEntry[]) {
  const infos = entries.map(modelInfoOf);
  const numbers = (field: string) =>
    infos.map((info) => info[field]).filter((value): value is number => typeof value === "number");
  const largest = (field: string) => (numbers(field).length > 0 ? Math.max(...numbers(field)) : null);
  const smallest = (field: string) => (numbers(field).length > 0 ? Math.min(...numbers(field)) : null);
  const sum = (values: (number | undefined)[]) =>
    values.some((value) => value === undefined)
      ? null
      : values.reduce<number>((total, value) => total + (value ?? 0), 0);
  return {
    model_group: group,
    providers: [...new Set(entries.map((entry) => entry.deployment.providerName))],
    max_input_tokens: largest("max_input_tokens"),
    max_output_tokens: largest("max_output_tokens"),
    input_cost_per_token: smallest("input_cost_per_token"),
    output_cost_per_token: smallest("output_cost_per_token"),
    mode: infos[0]?.mode ?? "chat",
    // A group without a limit on some deployment has no group limit.
    tpm: sum(entries.map((entry) => entry.deployment.tpm)),
    rpm: sum(entries.map((entry) => entry.deployment.rpm)),
    supports_function_calling: infos.some((info) => info.supports_function_calling === true),
    supports_vision: infos.some((info) => info.supports_vision === true),
  };
}
