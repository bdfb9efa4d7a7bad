import { create, type DescMethod } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  CompletionService,
  GetModelRequestSchema,
  ListModelsRequestSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { type Authenticator, bearerToken } from "../../auth/authenticator.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { readUpload } from "../../http/multipart-upload.js";
import type { NodeRequest, NodeResponse } from "../../http/node-http.js";
import { MAX_BODY_BYTES, readJsonBody as readJson } from "../../http/read-json-body.js";
import { formatSseEvent, SSE_DONE } from "../../http/sse.js";
import type { AudioEndpoint, RelayedEndpoint } from "../../providers/provider.js";
import type { CompletionHandlers } from "../../services/completion-service.js";
import { decodeRerankRequest, encodeRerankResponse } from "../../wire/cohere/rerank.js";
import { createChatChunkEncoder } from "../../wire/openai/chat-chunk.js";
import { encodeChatCompletion } from "../../wire/openai/chat-completion.js";
import { decodeChatRequest } from "../../wire/openai/chat-request.js";
import { decodeEmbeddingsRequest, encodeEmbeddingsResponse } from "../../wire/openai/embeddings.js";
import { encodeModel, encodeModelList } from "../../wire/openai/models.js";
import { encodeOpenAIError } from "../../wire/openai/openai-error.js";
import { decodeRelayedBody } from "../../wire/openai/relayed-call.js";
import {
  createTextChunkEncoder,
  decodeTextCompletionRequest,
  encodeTextCompletion,
} from "../../wire/openai/text-completion.js";
import { withControl } from "../call-control-context.js";
import { createShimCall } from "../handler-context.js";
import { drained, headerObject, sendJson } from "../respond.js";
import {
  type Exchange,
  methodNotAllowed,
  type RestSurface,
  type Route,
  requestHeader,
  runRoute,
} from "../run-route.js";
import { writeSseResponse } from "../sse-response.js";

export interface OpenAIShimDeps {
  readonly completion: CompletionHandlers;
  readonly authenticator: Authenticator;
  /** Called with errors that are the gateway's fault (5xx), for logging. */
  readonly onError?: (error: GatewayError, request: NodeRequest) => void;
  /** `general_settings.max_request_size_mb` in bytes: JSON bodies and audio uploads alike; default 32 MiB. */
  readonly maxRequestBytes?: number;
}

/**
 * OpenAI's REST API (`/v1/chat/completions`, `/v1/completions`,
 * `/v1/embeddings`, `/v1/images/generations`, `/v1/moderations`, `/v1/models`, and LiteLLM's `/v1/rerank`) as a codec onto the Completion service:
 * JSON/SSE in, the same handler object the Connect router serves, JSON/SSE
 * out. Paths without the `/v1` prefix are accepted too, as LiteLLM accepts
 * them.
 *
 * Returns a handler that answers and returns true for its own paths, and
 * returns false for any other path.
 */
export function createOpenAIShim(deps: OpenAIShimDeps) {
  const { completion } = deps;
  const methods = CompletionService.method;
  const surface = openAIRestSurface(deps);
  const maxBytes = deps.maxRequestBytes ?? MAX_BODY_BYTES;
  const readJsonBody = (request: NodeRequest) => readJson(request, maxBytes);

  /** Runs one unary service method for this exchange and answers with its JSON encoding. */
  async function answer<Result>(
    exchange: Exchange,
    method: DescMethod,
    invoke: (context: HandlerContext) => Result | Promise<Result>,
    encode: (result: Result) => unknown,
  ): Promise<void> {
    const call = createShimCall(CompletionService, method, ...exchange);
    try {
      const result = await invoke(call.context);
      sendJson(exchange[1], 200, encode(result), call.context.responseHeader);
    } finally {
      call.done();
    }
  }

  /** Runs one streaming service method for this exchange and answers with server-sent events. */
  async function answerStream<Chunk>(
    exchange: Exchange,
    method: DescMethod,
    invoke: (context: HandlerContext) => AsyncGenerator<Chunk>,
    encode: (chunk: Chunk) => unknown,
  ): Promise<void> {
    const [request, response] = exchange;
    const call = createShimCall(CompletionService, method, ...exchange);
    try {
      const failure = await writeSseStream(
        response,
        invoke(call.context),
        call.context.responseHeader,
        encode,
      );
      if (failure && failure.httpStatus >= 500) deps.onError?.(failure, request);
    } finally {
      call.done();
    }
  }

  const chatCompletions: Route = async (...exchange) => {
    const { request, stream, control } = decodeChatRequest(await readJsonBody(exchange[0]));
    if (stream) {
      const includeUsage = request.streamOptions?.includeUsage ?? false;
      return answerStream(
        exchange,
        methods.streamChatCompletion,
        (context) => completion.streamChatCompletion(request, withControl(context, control)),
        createChatChunkEncoder({ includeUsage }),
      );
    }
    return answer(
      exchange,
      methods.createChatCompletion,
      (context) => completion.createChatCompletion(request, withControl(context, control)),
      encodeChatCompletion,
    );
  };

  /** Legacy `/v1/completions`: the same pattern as chat, onto the text completion methods. */
  const textCompletions: Route = async (...exchange) => {
    const { request, stream, control } = decodeTextCompletionRequest(await readJsonBody(exchange[0]));
    if (stream) {
      const includeUsage = request.streamOptions?.includeUsage ?? false;
      return answerStream(
        exchange,
        methods.streamTextCompletion,
        (context) => completion.streamTextCompletion(request, withControl(context, control)),
        createTextChunkEncoder({ includeUsage }),
      );
    }
    return answer(
      exchange,
      methods.createTextCompletion,
      (context) => completion.createTextCompletion(request, withControl(context, control)),
      encodeTextCompletion,
    );
  };

  const embeddings: Route = async (...exchange) => {
    const { request, encodingFormat, control } = decodeEmbeddingsRequest(await readJsonBody(exchange[0]));
    return answer(
      exchange,
      methods.createEmbeddings,
      (context) => completion.createEmbeddings(request, withControl(context, control)),
      (result) => encodeEmbeddingsResponse(result, encodingFormat),
    );
  };

  /** LiteLLM's rerank route (`/v1/rerank`, `/rerank`), in Cohere's shape. */
  const rerank: Route = async (...exchange) => {
    const request = decodeRerankRequest(await readJsonBody(exchange[0]));
    return answer(
      exchange,
      methods.rerank,
      (context) => completion.rerank(request, context),
      encodeRerankResponse,
    );
  };

  /** Images and moderations: the body relayed as JSON to the routed deployment, its JSON back. */
  const relayed =
    (endpoint: RelayedEndpoint): Route =>
    async (...exchange) => {
      const call = { endpoint, ...decodeRelayedBody(await readJsonBody(exchange[0])) };
      return answer(
        exchange,
        // These have no RPC: the call carries the nearest unary method's descriptor.
        methods.createEmbeddings,
        (context) => completion.relayJson(call, context),
        (result) => result.json,
      );
    };
  const images = relayed("/images/generations");
  const moderations = relayed("/moderations");

  /** `/audio/speech`: routed as one call; the audio is written as each upstream chunk arrives. */
  const speech: Route = async (...exchange) => {
    const [, response] = exchange;
    const call = decodeRelayedBody(await readJsonBody(exchange[0]));
    const shimCall = createShimCall(CompletionService, methods.createEmbeddings, ...exchange);
    try {
      const { audio } = await completion.speech(call, shimCall.context);
      response.writeHead(200, {
        ...headerObject(shimCall.context.responseHeader),
        "content-type": audio.contentType,
      });
      try {
        // http1 and http2 responses alike (their write() overloads differ only in types).
        const sink = response as { write(chunk: Uint8Array): boolean; destroyed: boolean };
        for await (const chunk of audio.bytes) {
          if (!sink.write(chunk)) await drained(response);
          if (sink.destroyed) break;
        }
        response.end();
      } catch {
        // The status is out: a failure now can only cut the body short.
        response.destroy();
      }
    } finally {
      shimCall.done();
    }
  };

  /**
   * `/audio/transcriptions` and `/audio/translations`: the upload is spooled
   * to disk as it arrives (its `model` field may come after the file, as
   * OpenAI's SDKs send it), then streamed to the routed deployment — again
   * on a retry or fallback — and the upstream's answer is passed back as it
   * was written (JSON, text, SRT, VTT).
   */
  const transcription =
    (endpoint: AudioEndpoint): Route =>
    async (...exchange) => {
      const upload = await readUpload(exchange[0], {
        fileBytes: maxBytes,
        fields: MAX_UPLOAD_FIELDS,
        fieldBytes: MAX_UPLOAD_FIELD_BYTES,
      });
      try {
        const { model, user } = upload.fields;
        if (!model) throw GatewayError.invalidArgument("model is required", "model");
        const call = { endpoint, model, upload, ...(user && { user }) };
        const shimCall = createShimCall(CompletionService, methods.createEmbeddings, ...exchange);
        try {
          const { answer } = await completion.transcribe(call, shimCall.context);
          const body = Buffer.from(answer.text);
          exchange[1].writeHead(200, {
            ...headerObject(shimCall.context.responseHeader),
            "content-type": answer.contentType,
            "content-length": body.length,
          });
          exchange[1].end(body);
        } finally {
          shimCall.done();
        }
      } finally {
        await upload.discard();
      }
    };
  const transcriptions = transcription("/audio/transcriptions");
  const translations = transcription("/audio/translations");

  const listModels: Route = (...exchange) =>
    answer(
      exchange,
      methods.listModels,
      (context) => completion.listModels(create(ListModelsRequestSchema), context),
      (result) => encodeModelList(result.models),
    );

  const getModel =
    (id: string): Route =>
    (...exchange) =>
      answer(
        exchange,
        methods.getModel,
        (context) => completion.getModel(create(GetModelRequestSchema, { id }), context),
        (result) => encodeModel(result.model!),
      );

  function route(method: string, path: string): Route | "method" | undefined {
    const bare = path.startsWith("/v1/") ? path.slice(3) : path;
    switch (bare) {
      case "/chat/completions":
        return method === "POST" ? chatCompletions : "method";
      case "/completions":
        return method === "POST" ? textCompletions : "method";
      case "/embeddings":
        return method === "POST" ? embeddings : "method";
      case "/rerank":
        return method === "POST" ? rerank : "method";
      case "/images/generations":
        return method === "POST" ? images : "method";
      case "/moderations":
        return method === "POST" ? moderations : "method";
      case "/audio/speech":
        return method === "POST" ? speech : "method";
      case "/audio/transcriptions":
        return method === "POST" ? transcriptions : "method";
      case "/audio/translations":
        return method === "POST" ? translations : "method";
      case "/models":
        return method === "GET" ? listModels : "method";
    }
    if (bare.startsWith("/models/")) {
      // Model names may hold slashes ("huggingface/bigcode/starcoder").
      return method === "GET" ? getModel(decodeURIComponent(bare.slice("/models/".length))) : "method";
    }
    return undefined;
  }

  return function handleOpenAI(request: NodeRequest, response: NodeResponse, path: string): boolean {
    const method = request.method ?? "GET";
    const handler = route(method, path);
    if (handler === undefined) {
      if (!path.startsWith("/v1/")) return false;
      sendOpenAIError(response, unknownUrl(method, path));
      return true;
    }
    if (handler === "method") {
      sendOpenAIError(response, methodNotAllowed(method, path));
      return true;
    }
    runRoute(handler, request, response, surface);
    return true;
  };
}

/** OpenAI's SSE framing: `data: <chunk>` events, `data: [DONE]`, an `error` event on failure. */
function writeSseStream<Chunk>(
  response: NodeResponse,
  chunks: AsyncGenerator<Chunk>,
  responseHeaders: Headers,
  encode: (chunk: Chunk) => unknown,
): Promise<GatewayError | undefined> {
  return writeSseResponse(response, chunks, {
    responseHeaders,
    encode: (chunk) => {
      const encoded = encode(chunk);
      return encoded === undefined ? "" : formatSseEvent(JSON.stringify(encoded));
    },
    end: () => SSE_DONE,
    error: (error) => formatSseEvent(JSON.stringify(encodeOpenAIError(error).body)),
  });
}

/**
 * The OpenAI-style REST surface (also LiteLLM's admin routes): the key from
 * `Authorization: Bearer` or `x-api-key`, errors as OpenAI error JSON.
 */
export function openAIRestSurface(deps: Pick<OpenAIShimDeps, "authenticator" | "onError">): RestSurface {
  return {
    authenticator: deps.authenticator,
    callerKey: (request) =>
      bearerToken(requestHeader(request, "authorization")) ?? requestHeader(request, "x-api-key"),
    sendError: sendOpenAIError,
    onError: deps.onError,
  };
}

export function sendOpenAIError(response: NodeResponse, error: GatewayError): void {
  const { status, headers, body } = encodeOpenAIError(error);
  sendJson(response, status, body, new Headers(headers));
}

function unknownUrl(method: string, path: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `Unknown request URL: ${method} ${path}.`,
    errorCode: "unknown_url",
    type: "invalid_request_error",
  });
}

/** An audio upload's form: OpenAI's has a handful of fields (model, language, prompt, timestamp granularities…). */
const MAX_UPLOAD_FIELDS = 32;
const MAX_UPLOAD_FIELD_BYTES = 64 * 1024;
