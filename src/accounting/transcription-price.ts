import { modelCatalog } from "../catalog/model-catalog.js";
import type { ModelPrice } from "./model-price.js";

/**
 * US dollars for one transcription or translation, as LiteLLM prices audio:
 * per second of audio (`input_cost_per_second`, whisper-1's pricing; from
 * model_info, else the cost map), by the `duration` the answer reports
 * (`response_format: verbose_json`); else by the tokens it reports
 * (gpt-4o-transcribe's `usage`) at the deployment's token price. Undefined
 * when the answer says neither (json, text, srt and vtt answers of
 * per-second models carry no duration): the call then has no cost.
 */
export function transcriptionCost(
  upstream: { readonly provider: string; readonly model: string },
  perSecondOverride: number | undefined,
  tokenPrice: ModelPrice | undefined,
  answer: unknown,
): number | undefined {
  if (answer === null || typeof answer !== "object") return undefined;
  const { duration, usage } = answer as {
    duration?: unknown;
    usage?: { input_tokens?: unknown; output_tokens?: unknown };
  };
  const perSecond =
    perSecondOverride ??
    (modelCatalog().get(`${upstream.provider}/${upstream.model}`) ?? modelCatalog().get(upstream.model))
      ?.inputCostPerSecond;
  if (perSecond !== undefined && typeof duration === "number" && Number.isFinite(duration) && duration >= 0) {
    return round(perSecond * duration);
  }
  if (tokenPrice && typeof usage?.input_tokens === "number" && typeof usage.output_tokens === "number") {
    return round(usage.input_tokens * tokenPrice.input + usage.output_tokens * tokenPrice.output);
  }
  return undefined;
}

function round(cost: number): number {
  return Math.round(cost * 1e8) / 1e8;
}
