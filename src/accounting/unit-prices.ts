import type { DeploymentConfig } from "../config/config-types.js";

/**
 * A deployment's own prices per unit other than tokens (model_info, else
 * litellm_params, as LiteLLM reads them); the cost map prices the rest.
 */
export interface UnitPrices {
  /** `input_cost_per_pixel`: images, by the size asked for. */
  readonly perPixel?: number;
  /** `input_cost_per_image`. */
  readonly perImage?: number;
  /** `input_cost_per_second`: audio transcriptions. */
  readonly perSecond?: number;
}

/** Decided once at start. */
export function unitPricesOf(entry: DeploymentConfig): UnitPrices {
  const price = (key: string): number | undefined => {
    const value = entry.modelInfo[key] ?? entry.params.extra[key];
    const number = typeof value === "string" ? Number(value) : value;
    return typeof number === "number" && Number.isFinite(number) && number >= 0 ? number : undefined;
  };
  return {
    perPixel: price("input_cost_per_pixel"),
    perImage: price("input_cost_per_image"),
    perSecond: price("input_cost_per_second"),
  };
}
