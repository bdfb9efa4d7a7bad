import { create, type DescMethod } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  CompletionService,
  GetModelRequestSchema,
  ListModelsRequestSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { createDoorCall } from "../../http/door-kit/call-context.js";
import {
  decodePathPart,
  doorRoute,
  doorRouteFor,
  type Endpoint,
  type Exchange,
} from "../../http/door-kit/door.js";
import { sendOpenAIError, unknownUrl } from "../../http/door-kit/error-answers.js";
import { answerJson, drained, headerObject } from "../../http/door-kit/json-answer.js";
import { openAIDoor } from "../../http/door-kit/openai-door.js";
import { MAX_BODY_BYTES, readJsonBody as readJson } from "../../http/door-kit/read-body.js";
import { readUpload } from "../../http/multipart-upload.js";
import type { NodeRequest, NodeResponse } from "../../http/node-http.js";
import { anyMethodRoute, type Route } from "../../http/route-table.js";
import { formatSseEvent, SSE_DONE } from "../../http/sse.js";
import type { AudioEndpoint, RelayedEndpoint } from "../../providers/provider.js";
import { decodeRerankRequest, encodeRerankResponse } from "../../wire/cohere/rerank.js";
import type { CallControl } from "../../wire/litellm/control-fields.js";
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
import type { CompletionDoorDeps } from "../completion-door-deps.js";
import { writeSseResponse } from "../sse-response.js";

/**
 * OpenAI's REST API (`/v1/chat/completions`, `/v1/completions`,
 * `/v1/embeddings`, `/v1/images/generations`, `/v1/moderations`, `/v1/models`, and LiteLLM's `/v1/rerank`) as a codec onto the Completion service:
 * JSON/SSE in, the same handler object the Connect router serves, JSON/SSE
 * out. Paths without the `/v1` prefix are accepted too, as LiteLLM accepts
 * them. Any other path under `/v1/` is OpenAI's 404.
 */
export function openAIRoutes(deps: CompletionDoorDeps): Route[] {
  const { completion } = deps;
  const methods = CompletionService.method;
  const door = openAIDoor(deps);
  const maxBytes = deps.maxRequestBytes ?? MAX_BODY_BYTES;
  /** Requests on an Azure-style path: the model group the path names, which wins over the body's. */
  const pathModels = new WeakMap<NodeRequest, string>();
  const readJsonBody = async (request: NodeRequest) => {
    const body = await readJson(request, maxBytes);
    const model = pathModels.get(request);
    if (model !== undefined && typeof body === "object" && body !== null && !Array.isArray(body)) {
      (body as Record<string, unknown>).model = model;
    }
    return body;
  };

  /** Runs one streaming service method for this exchange and answers with server-sent events. */
  async function answerStream<Chunk>(
    exchange: Exchange,
    method: DescMethod,
    invoke: (context: HandlerContext) => AsyncGenerator<Chunk>,
    encode: (chunk: Chunk) => unknown,
  ): Promise<void> {
    const [request, response] = exchange;
    const call = createDoorCall(method, ...exchange);
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

  /**
   * Chat and the legacy `/v1/completions` alike: the body decoded onto the
   * method pair's request, then answered as server-sent events or one JSON.
   */
  const completions =
    <Request extends StreamableRequest, Result, Chunk>(
      pair: CompletionPair<Request, Result, Chunk>,
    ): Endpoint =>
    async (...exchange) => {
      const { request, stream, control } = pair.decode(await readJsonBody(exchange[0]));
      if (stream) {
        const includeUsage = request.streamOptions?.includeUsage ?? false;
        return answerStream(
          exchange,
          pair.streamMethod,
          (context) => pair.stream(request, withControl(context, control)),
          pair.chunkEncoder({ includeUsage }),
        );
      }
      return answerJson(
        pair.unaryMethod,
        exchange,
        (context) => pair.unary(request, withControl(context, control)),
        pair.encode,
      );
    };
  const chatCompletions = completions({
    decode: decodeChatRequest,
    unaryMethod: methods.createChatCompletion,
    unary: (request, context) => completion.createChatCompletion(request, context),
    encode: encodeChatCompletion,
    streamMethod: methods.streamChatCompletion,
    stream: (request, context) => completion.streamChatCompletion(request, context),
    chunkEncoder: createChatChunkEncoder,
  });
  const textCompletions = completions({
    decode: decodeTextCompletionRequest,
    unaryMethod: methods.createTextCompletion,
    unary: (request, context) => completion.createTextCompletion(request, context),
    encode: encodeTextCompletion,
    streamMethod: methods.streamTextCompletion,
    stream: (request, context) => completion.streamTextCompletion(request, context),
    chunkEncoder: createTextChunkEncoder,
  });

  const embeddings: Endpoint = async (...exchange) => {
    const { request, encodingFormat, control } = decodeEmbeddingsRequest(await readJsonBody(exchange[0]));
    return answerJson(
      methods.createEmbeddings,
      exchange,
      (context) => completion.createEmbeddings(request, withControl(context, control)),
      (result) => encodeEmbeddingsResponse(result, encodingFormat),
    );
  };

  /** LiteLLM's rerank route (`/v1/rerank`, `/rerank`), in Cohere's shape. */
  const rerank: Endpoint = async (...exchange) => {
    const request = decodeRerankRequest(await readJsonBody(exchange[0]));
    return answerJson(
      methods.rerank,
      exchange,
      (context) => completion.rerank(request, context),
      encodeRerankResponse,
    );
  };

  /** Images and moderations: the body relayed as JSON to the routed deployment, its JSON back. */
  const relayed =
    (endpoint: RelayedEndpoint): Endpoint =>
    async (...exchange) => {
      const call = { endpoint, ...decodeRelayedBody(await readJsonBody(exchange[0])) };
      return answerJson(
        // These have no RPC: the call carries the nearest unary method's descriptor.
        methods.createEmbeddings,
        exchange,
        (context) => completion.relayJson(call, context),
        (result) => result.json,
      );
    };
  const images = relayed("/images/generations");
  const moderations = relayed("/moderations");

  /** `/audio/speech`: routed as one call; the audio is written as each upstream chunk arrives. */
  const speech: Endpoint = async (...exchange) => {
    const [, response] = exchange;
    const call = decodeRelayedBody(await readJsonBody(exchange[0]));
    const shimCall = createDoorCall(methods.createEmbeddings, ...exchange);
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
    (endpoint: AudioEndpoint): Endpoint =>
    async (...exchange) => {
      const upload = await readUpload(exchange[0], {
        fileBytes: maxBytes,
        fields: MAX_UPLOAD_FIELDS,
        fieldBytes: MAX_UPLOAD_FIELD_BYTES,
      });
      try {
        const { user } = upload.fields;
        const model = pathModels.get(exchange[0]) ?? upload.fields.model;
        if (!model) throw GatewayError.invalidArgument("model is required", "model");
        const call = { endpoint, model, upload, ...(user && { user }) };
        const shimCall = createDoorCall(methods.createEmbeddings, ...exchange);
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

  const listModels: Endpoint = (...exchange) =>
    answerJson(
      methods.listModels,
      exchange,
      (context) => completion.listModels(create(ListModelsRequestSchema), context),
      (result) => encodeModelList(result.models),
    );

  const getModel =
    (id: string): Endpoint =>
    (...exchange) =>
      answerJson(
        methods.getModel,
        exchange,
        (context) => completion.getModel(create(GetModelRequestSchema, { id }), context),
        (result) => encodeModel(result.model!),
      );

  const posts: Readonly<Record<string, Endpoint>> = {
    "/chat/completions": chatCompletions,
    "/completions": textCompletions,
    "/embeddings": embeddings,
    "/rerank": rerank,
    "/images/generations": images,
    "/moderations": moderations,
    "/audio/speech": speech,
    "/audio/transcriptions": transcriptions,
    "/audio/translations": translations,
  };
  // Model names may hold slashes ("huggingface/bigcode/starcoder"): everything after /models/ is the name.
  const modelNamed = (prefix: string) =>
    doorRouteFor(door, "GET", `${prefix}/models/*`, ({ rest }) =>
      getModel(decodePathPart(rest, "the model name in the URL is not valid")),
    );
  return [
    ...["", "/v1"].flatMap((prefix) => [
      ...Object.entries(posts).map(([path, endpoint]) => doorRoute(door, "POST", prefix + path, endpoint)),
      doorRoute(door, "GET", `${prefix}/models`, listModels),
      modelNamed(prefix),
    ]),
    // Azure's `/openai/deployments/{deployment}/…` and the older `/engines/{model}/…`, as LiteLLM
    // serves them: the path names the model group (it may hold slashes) and wins over the body's
    // `model`; Azure's `api-version` query is not needed here.
    ...[AZURE_PREFIX, ENGINES_PREFIX].map((prefix) =>
      doorRouteFor(door, "POST", `${prefix}*`, ({ path, rest }, request) => {
        const operation = DEPLOYMENT_OPERATIONS.find((suffix) => rest.endsWith(suffix));
        if (operation === undefined || rest.length === operation.length) throw unknownUrl("POST", path);
        const deployment = rest.slice(0, -operation.length);
        pathModels.set(request, decodePathPart(deployment, "the deployment name in the URL is not valid"));
        return posts[operation]!;
      }),
    ),
    anyMethodRoute("/v1/*", (request, response, { path }) =>
      sendOpenAIError(response, unknownUrl(request.method ?? "GET", path)),
    ),
  ];
}

/** A request that may ask for usage in its last streamed chunk. */
interface StreamableRequest {
  readonly streamOptions?: { readonly includeUsage: boolean };
}

/** A unary and a streaming service method that take one decoded REST body, with the codecs around them. */
interface CompletionPair<Request, Result, Chunk> {
  decode(body: unknown): { request: Request; stream: boolean; control?: CallControl };
  readonly unaryMethod: DescMethod;
  unary(request: Request, context: HandlerContext): Promise<Result>;
  encode(result: Result): unknown;
  readonly streamMethod: DescMethod;
  stream(request: Request, context: HandlerContext): AsyncGenerator<Chunk>;
  chunkEncoder(options: { includeUsage: boolean }): (chunk: Chunk) => unknown;
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

const AZURE_PREFIX = "/openai/deployments/";
const ENGINES_PREFIX = "/engines/";
/** What may follow a deployment's name; longest first, so `/chat/completions` is not read as `/completions`. */
const DEPLOYMENT_OPERATIONS = [
  "/audio/transcriptions",
  "/audio/translations",
  "/images/generations",
  "/chat/completions",
  "/audio/speech",
  "/completions",
  "/embeddings",
] as const;

/** An audio upload's form: OpenAI's has a handful of fields (model, language, prompt, timestamp granularities…). */
const MAX_UPLOAD_FIELDS = 32;
const MAX_UPLOAD_FIELD_BYTES = 64 * 1024;
