import type { ModelPrice } from "../accounting/model-price.js";
import type { UnitPrices } from "../accounting/unit-prices.js";
import type { Provider, UpstreamTarget } from "../providers/provider.js";

/** One model_list entry, ready to serve: provider chosen, target resolved. */
export interface Deployment {
  readonly id: string;
  /** The model_name callers ask for. */
  readonly modelGroup: string;
  /** The provider slug as configured ("openai"), for headers and model listings. */
  readonly providerName: string;
  readonly provider: Provider;
  /**
   * Where calls go. A method, not a field: for an entry with
   * litellm_credential_name it answers a new object whenever the credential
   * changes, and throws a GatewayError while the credential is missing, so
   * call it inside the call (where that error is the caller's answer).
   */
  target(): UpstreamTarget;
  /** Share of the group's traffic under simple-shuffle. */
  readonly weight: number;
  /** Whole-call deadline (non-streaming), ms. */
  readonly timeoutMs: number;
  /** Time-to-first-chunk deadline for streams, ms. */
  readonly streamTimeoutMs: number;
  /** Requests per minute it may take (litellm_params.rpm); undefined: no limit. */
  readonly rpm?: number;
  /** Tokens per minute it may take (litellm_params.tpm); undefined: no limit. */
  readonly tpm?: number;
  /** Priority tier (litellm_params.order): lower tiers are tried first; undefined: after every tier. */
  readonly order?: number;
  /** Per-token prices (list price or model_info override); undefined: cost unknown. */
  readonly price?: ModelPrice;
  /** Prices per image, pixel or second set on the deployment itself; the cost map prices the rest. */
  readonly unitPrices?: UnitPrices;
  /** litellm_params.num_retries: retries for calls to its group, overriding router_settings. */
  readonly numRetries?: number;
  /** model_info.access_groups: names a virtual key's models may use to grant this deployment's group. */
  readonly accessGroups?: readonly string[];
  /**
   * For a wildcard entry (`openai/*`, `*`): the deployment serving one
   * requested name, given what each `*` of the group's model_name matched.
   */
  readonly resolve?: (captures: readonly string[]) => Deployment;
}
