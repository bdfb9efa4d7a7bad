import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";

/**
 * Which Hugging Face API a `huggingface/…` deployment speaks:
 *
 * - `chat`: OpenAI-compatible chat completions — the HF router
 *   (`https://router.huggingface.co/v1`), TGI's Messages API, a dedicated
 *   Inference Endpoint's `/v1`.
 * - `text-generation`: the native `{inputs, parameters}` API — the classic
 *   Inference API (`…/models/<org>/<model>`) or a TGI host (`/generate`,
 *   `/generate_stream`), for base models such as bigcode/starcoder.
 */
export type HuggingFaceApi = "chat" | "text-generation";

/** `litellm_params.task` values, with the names LiteLLM and Hugging Face also use. */
const apiByTask: ReadonlyMap<string, HuggingFaceApi> = new Map([
  ["chat", "chat"],
  ["conversational", "chat"],
  ["text-generation", "text-generation"],
  ["text-generation-inference", "text-generation"],
  ["tgi", "text-generation"],
]);

/**
 * The rule, applied once per deployment:
 *
 * 1. `litellm_params.task` decides when given (`chat` | `text-generation`).
 * 2. Else an `api_base` ending in `/v1` means chat; any other `api_base`
 *    (the classic `…/models/<org>/<model>` form, or a bare TGI host) means
 *    text-generation.
 * 3. With neither, the deployment goes to the HF router's chat completions.
 *
 * `apiBase` comes without trailing slashes (build-deployments strips them).
 */
export function chooseHuggingFaceApi(task: unknown, apiBase: string | undefined): HuggingFaceApi {
  if (task !== undefined && task !== null) {
    const api = typeof task === "string" ? apiByTask.get(task) : undefined;
    if (api === undefined) {
      throw misconfigured(
        `litellm_params.task must be "chat" or "text-generation", got ${JSON.stringify(task)}`,
      );
    }
    return api;
  }
  if (apiBase === undefined) return "chat";
  return apiBase.endsWith("/v1") ? "chat" : "text-generation";
}

/** A deployment whose configuration cannot work; the caller is not at fault, so not a 4xx. */
export function misconfigured(message: string): GatewayError {
  return new GatewayError({
    code: Code.Internal,
    message: `huggingface deployment misconfigured: ${message}`,
    httpStatus: 500,
    retryable: false,
  });
}
