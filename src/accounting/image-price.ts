import { type CatalogModel, modelCatalog } from "../catalog/model-catalog.js";
import type { UnitPrices } from "./unit-prices.js";

/** What an image request asks for: `size` ("1024x1024"), `quality`, `n`, as the caller sent them. */
export interface ImageRequest {
  readonly size?: unknown;
  readonly quality?: unknown;
  readonly n?: unknown;
}

/** Token usage an answer reports (gpt-image-1: `usage.input_tokens`, `output_tokens`). */
export interface ImageTokens {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * US dollars for one image generation, as LiteLLM's default image cost
 * calculator reckons it: the deployment's own price if set; else the cost
 * map's entry for `<quality>/<size>/<model>`, then `<size>/<model>`, then
 * `medium/<size>/<model>`, then `<model>` (each first with the provider in
 * front, as Azure's entries are named). Token-priced models (gpt-image-1's
 * base entry) cost their reported tokens; otherwise the price per pixel times
 * the requested size, else per image, times `n`. Undefined when nothing
 * prices it (the call then has no cost, rather than a cost of 0).
 *
 * One difference from LiteLLM: a token-priced answer's usage already covers
 * every image, so it is not multiplied by `n` again.
 */
export function imageCost(
  pricing: UnitPrices,
  upstream: { readonly provider: string; readonly model: string },
  request: ImageRequest,
  tokens: ImageTokens | undefined,
): number | undefined {
  const { height, width, size } = dimensions(request.size);
  const n = typeof request.n === "number" && Number.isInteger(request.n) && request.n > 0 ? request.n : 1;
  if (pricing.perPixel !== undefined) return round(pricing.perPixel * height * width * n);
  if (pricing.perImage !== undefined) return round(pricing.perImage * n);
  const entry = catalogEntry(
    upstream,
    size,
    typeof request.quality === "string" ? request.quality : undefined,
  );
  if (entry === undefined) return undefined;
  if (entry.inputCostPerToken !== undefined || entry.outputCostPerToken !== undefined) {
    if (tokens === undefined) return undefined;
    return round(
      tokens.inputTokens * (entry.inputCostPerToken ?? 0) +
        tokens.outputTokens * (entry.outputCostPerToken ?? 0),
    );
  }
  if (entry.inputCostPerPixel !== undefined) return round(entry.inputCostPerPixel * height * width * n);
  if (entry.inputCostPerImage !== undefined) return round(entry.inputCostPerImage * n);
  return undefined;
}

/** The token counts of an images answer, when it reports them. */
export function imageTokensOf(answer: Record<string, unknown>): ImageTokens | undefined {
  const usage = answer.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
  if (typeof usage?.input_tokens !== "number" || typeof usage.output_tokens !== "number") return undefined;
  return { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
}

/** OpenAI's default size is 1024x1024; "auto" (gpt-image-1) is priced as that too. */
function dimensions(size: unknown): { height: number; width: number; size: string } {
  const match = typeof size === "string" ? /^(\d{1,5})(?:-x-|x)(\d{1,5})$/.exec(size.trim()) : null;
  if (!match) return { height: 1024, width: 1024, size: "1024-x-1024" };
  return { height: Number(match[1]), width: Number(match[2]), size: `${match[1]}-x-${match[2]}` };
}

function catalogEntry(
  { provider, model }: { readonly provider: string; readonly model: string },
  size: string,
  quality: string | undefined,
): CatalogModel | undefined {
  const catalog = modelCatalog();
  const names = [
    quality && `${quality}/${size}/${model}`,
    `${size}/${model}`,
    `medium/${size}/${model}`,
    model,
  ].filter((name): name is string => Boolean(name));
  for (const name of names) {
    const entry = catalog.get(`${provider}/${name}`) ?? catalog.get(name);
    if (entry) return entry;
  }
  return undefined;
}

/** To 1e-8 dollars, as every other cost. */
function round(cost: number): number {
  return Math.round(cost * 1e8) / 1e8;
}
