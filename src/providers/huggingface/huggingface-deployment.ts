import { type ChatTemplate, chatTemplates } from "../../wire/huggingface/chat-prompt.js";
import { stringMap } from "../openai/openai-headers.js";
import type { UpstreamTarget } from "../provider.js";
import { chooseHuggingFaceApi, misconfigured } from "./huggingface-task.js";

/** The HF router's OpenAI-compatible base (Inference Providers). */
export const HUGGINGFACE_ROUTER_BASE = "https://router.huggingface.co/v1";
/** The classic Inference API, as the router serves it: `…/models/<org>/<model>`. */
export const HUGGINGFACE_INFERENCE_MODELS_BASE = "https://router.huggingface.co/hf-inference/models";

/** A deployment served through OpenAI-compatible chat completions. */
export interface HuggingFaceChatDeployment {
  readonly api: "chat";
  /** The target an OpenAI-style client sends to: chat base, router model id, resolved key. */
  readonly chatTarget: UpstreamTarget;
}

/** A deployment served through the native text-generation API. */
export interface HuggingFaceTextGenerationDeployment {
  readonly api: "text-generation";
  readonly generateUrl: string;
  readonly streamUrl: string;
  /** The classic Inference API streams on its own URL when the body says `stream: true`. */
  readonly streamInBody: boolean;
  /** Built once per deployment and sent as they are; never mutated. */
  readonly headers: Record<string, string>;
  readonly streamHeaders: Record<string, string>;
  readonly chatTemplate: ChatTemplate;
}

export type HuggingFaceDeployment = HuggingFaceChatDeployment | HuggingFaceTextGenerationDeployment;

const cache = new WeakMap<UpstreamTarget, HuggingFaceDeployment>();

/**
 * How one deployment reaches Hugging Face, worked out on its first call and
 * kept for every later one (targets are immutable after start). The API is
 * chosen by chooseHuggingFaceApi; the key is `api_key`, else
 * `HUGGINGFACE_API_KEY`, else `HF_TOKEN` from `env`, sent as a Bearer token.
 *
 * The model is `<org>/<model>`, or `<provider>/<org>/<model>` to pin an
 * inference provider, which the router spells `<org>/<model>:<provider>`.
 */
export function resolveHuggingFaceDeployment(
  target: UpstreamTarget,
  env: Readonly<Record<string, string | undefined>>,
): HuggingFaceDeployment {
  let deployment = cache.get(target);
  if (deployment === undefined) {
    deployment = buildDeployment(target, env);
    cache.set(target, deployment);
  }
  return deployment;
}

function buildDeployment(
  target: UpstreamTarget,
  env: Readonly<Record<string, string | undefined>>,
): HuggingFaceDeployment {
  const { repository, inferenceProvider } = splitModel(target.model);
  const apiKey = target.apiKey || env.HUGGINGFACE_API_KEY || env.HF_TOKEN || undefined;
  const apiBase = target.apiBase;
  const api = chooseHuggingFaceApi(target.params.task, apiBase);

  if (api === "chat") {
    const chatBase =
      apiBase === undefined ? HUGGINGFACE_ROUTER_BASE : apiBase.endsWith("/v1") ? apiBase : `${apiBase}/v1`;
    const model = inferenceProvider === undefined ? repository : `${repository}:${inferenceProvider}`;
    return { api, chatTarget: { ...target, apiBase: chatBase, model, apiKey } };
  }

  let generateUrl: string;
  let streamUrl: string;
  let streamInBody: boolean;
  if (apiBase === undefined || apiBase.includes("/models/")) {
    if (apiBase === undefined && inferenceProvider !== undefined && inferenceProvider !== "hf-inference") {
      throw misconfigured(
        `the text-generation API is served by hf-inference, not "${inferenceProvider}"; set api_base or task: chat`,
      );
    }
    generateUrl = apiBase ?? `${HUGGINGFACE_INFERENCE_MODELS_BASE}/${repository}`;
    streamUrl = generateUrl;
    streamInBody = true;
  } else {
    const host = apiBase.endsWith("/v1") ? apiBase.slice(0, -3) : apiBase;
    generateUrl = `${host}/generate`;
    streamUrl = `${host}/generate_stream`;
    streamInBody = false;
  }
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  Object.assign(headers, stringMap(target.params.extra_headers));
  return {
    api,
    generateUrl,
    streamUrl,
    streamInBody,
    headers,
    streamHeaders: { ...headers, accept: "text/event-stream" },
    chatTemplate: chatTemplateOf(target.params.chat_template),
  };
}

/** "org/name" → the repository; "provider/org/name" → the repository and the inference provider. */
function splitModel(model: string): { repository: string; inferenceProvider?: string } {
  const parts = model.split("/");
  if (parts.length < 3) return { repository: model };
  return { repository: parts.slice(1).join("/"), inferenceProvider: parts[0] };
}

function chatTemplateOf(value: unknown): ChatTemplate {
  if (value === undefined || value === null) return "transcript";
  if (typeof value === "string" && chatTemplates.has(value)) return value as ChatTemplate;
  throw misconfigured(
    `litellm_params.chat_template must be "transcript" or "chatml", got ${JSON.stringify(value)}`,
  );
}
