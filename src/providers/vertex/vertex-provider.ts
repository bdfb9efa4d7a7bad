import type { CreateEmbeddingsResponse } from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { UpstreamClient } from "../../http/upstream-client.js";
import {
  decodeVertexPredictResponse,
  encodeVertexPredictRequest,
} from "../../wire/gemini/gemini-embeddings.js";
import { decodeGeminiUpstreamError } from "../../wire/gemini/gemini-error.js";
import { type AnthropicHost, createAnthropicProvider } from "../anthropic/anthropic-provider.js";
import {
  createGeminiApiProvider,
  type GeminiHost,
  type GeminiMethod,
  postToGemini,
} from "../gemini/gemini-api-provider.js";
import { stringMap } from "../openai/openai-headers.js";
import type { Provider, UpstreamTarget } from "../provider.js";
import { VertexCredentials } from "./vertex-credentials.js";
import { vertexEnvironment, vertexModelUrl, vertexPublisher } from "./vertex-endpoint.js";

/** The Messages API version Vertex AI requires in the body of Claude calls. */
export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

/** What one deployment sends every call, resolved on its first call (the key may name the project). */
interface VertexDeployment {
  readonly modelUrl: string;
  readonly staticHeaders: Record<string, string>;
  readonly credential: Awaited<ReturnType<VertexCredentials["get"]>>;
  /** The headers of the last token, reused until the token changes. */
  lastToken: string;
  lastHeaders: Record<string, string>;
}

/**
 * Vertex AI (`vertex_ai/<model>`): Gemini models over the Gemini wire
 * format at `{model URL}:generateContent` / `:streamGenerateContent?alt=sse`
 * / `:predict` (embeddings), and Claude models (`vertex_ai/claude-…`) over
 * Anthropic's Messages format at `:rawPredict` / `:streamRawPredict`, the
 * body without `model` and with `anthropic_version: vertex-2023-10-16`.
 * Every call carries `Authorization: Bearer <OAuth token>` for the
 * deployment's `vertex_credentials` or application default credentials
 * (see vertex-credentials.ts); URLs are in vertex-endpoint.ts.
 */
export function createVertexProvider(client: UpstreamClient, env: NodeJS.ProcessEnv = {}): Provider {
  const environment = vertexEnvironment(env);
  const credentials = new VertexCredentials();
  const deployments = new WeakMap<UpstreamTarget, Promise<VertexDeployment>>();

  function deploymentOf(target: UpstreamTarget): Promise<VertexDeployment> {
    let deployment = deployments.get(target);
    if (deployment === undefined) {
      deployment = resolve(target);
      deployments.set(target, deployment);
      deployment.catch(() => deployments.delete(target));
    }
    return deployment;
  }

  async function resolve(target: UpstreamTarget): Promise<VertexDeployment> {
    const credential = await credentials.get(target.params.vertex_credentials, target.deploymentId);
    const staticHeaders = {
      "content-type": "application/json",
      accept: "application/json",
      ...stringMap(target.params.extra_headers),
    };
    return {
      modelUrl: vertexModelUrl(target, environment, credential.projectId),
      staticHeaders,
      credential,
      lastToken: "",
      lastHeaders: staticHeaders,
    };
  }

  async function route(target: UpstreamTarget, method: string) {
    const deployment = await deploymentOf(target);
    const token = await deployment.credential.token.get();
    if (token !== deployment.lastToken) {
      deployment.lastHeaders = { ...deployment.staticHeaders, authorization: `Bearer ${token}` };
      deployment.lastToken = token;
    }
    return { url: `${deployment.modelUrl}:${method}`, headers: deployment.lastHeaders };
  }

  const geminiHost: GeminiHost = {
    name: "vertex_ai",
    route: (target, method: GeminiMethod) =>
      route(target, method === "streamGenerateContent" ? "streamGenerateContent?alt=sse" : method),
    async embeddings(request, target, options): Promise<CreateEmbeddingsResponse> {
      const body = encodeVertexPredictRequest(request);
      const response = await postToGemini(client, geminiHost, "predict", body, target, options);
      return decodeVertexPredictResponse(await response.json(), target.model);
    },
  };
  const anthropicHost: AnthropicHost = {
    name: "vertex_ai",
    route: (target, stream) => route(target, stream ? "streamRawPredict" : "rawPredict"),
    adaptBody(body) {
      delete (body as { model?: string }).model;
      body.anthropic_version = VERTEX_ANTHROPIC_VERSION;
    },
    // Quota and auth failures come from Google's front end (RetryInfo and all); Claude's own errors read alike.
    decodeError: decodeGeminiUpstreamError,
  };
  const gemini = createGeminiApiProvider(client, geminiHost);
  const claude = createAnthropicProvider(client, {}, "vertex_ai", anthropicHost);
  const byModel = (target: UpstreamTarget) =>
    vertexPublisher(target.model) === "anthropic" ? claude : gemini;

  return {
    name: "vertex_ai",
    chatCompletion: (request, target, options) => byModel(target).chatCompletion(request, target, options),
    streamChatCompletion: (request, target, options) =>
      byModel(target).streamChatCompletion(request, target, options),
    embeddings(request, target, options) {
      if (vertexPublisher(target.model) === "anthropic") {
        throw GatewayError.invalidArgument(`${target.model} has no embeddings on Vertex AI`, "model");
      }
      return geminiHost.embeddings!(request, target, options);
    },
  };
}
