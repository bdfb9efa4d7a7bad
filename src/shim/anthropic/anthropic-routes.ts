import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  type ChatCompletionChunk,
  CompletionService,
  GetModelRequestSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { createDoorCall } from "../../http/door-kit/call-context.js";
import { type Door, doorRoute, type Endpoint } from "../../http/door-kit/door.js";
import { sendJson } from "../../http/door-kit/json-answer.js";
import { MAX_BODY_BYTES, readJsonBody as readJson } from "../../http/door-kit/read-body.js";
import type { NodeRequest, NodeResponse } from "../../http/node-http.js";
import type { Route } from "../../http/route-table.js";
import { formatSseEvent } from "../../http/sse.js";
import { encodeAnthropicError } from "../../wire/anthropic/anthropic-error.js";
import { encodeAnthropicMessage } from "../../wire/anthropic/anthropic-message.js";
import { decodeAnthropicRequest } from "../../wire/anthropic/anthropic-request-decode.js";
import { createAnthropicStreamEncoder } from "../../wire/anthropic/anthropic-stream-encoder.js";
import type { AnthropicTokenCount } from "../../wire/anthropic/anthropic-types.js";
import { readCallControl } from "../../wire/litellm/control-fields.js";
import { isJsonObject } from "../../wire/openai/json-object.js";
import { withControl } from "../call-control-context.js";
import type { CompletionDoorDeps } from "../completion-door-deps.js";
import { writeSseResponse } from "../sse-response.js";
import { estimateInputTokens } from "./estimate-input-tokens.js";

/**
 * Anthropic's Messages API (`POST /v1/messages`, `POST
 * /v1/messages/count_tokens`) as a codec onto the Completion service, so the
 * official Anthropic SDKs (and Claude Code) can use every model the gateway
 * serves. Callers authenticate with `x-api-key` or `Authorization: Bearer`
 * (SDK 1.x sends the latter); any `anthropic-version` is accepted, since the
 * request shapes of 2023-06-01 and 2026-10-21 decode alike.
 *
 * Errors are Anthropic's JSON (`{"type":"error","error":{type,message},
 * "request_id"}`) with the status the OpenAI shim would answer (see
 * encodeAnthropicError). `count_tokens` answers a local estimate (see
 * estimateInputTokens), after checking the model exists.
 *
 * Any other path under `/v1/messages/` is Anthropic's 404.
 */
export function anthropicRoutes(deps: CompletionDoorDeps): Route[] {
  const { completion } = deps;
  const methods = CompletionService.method;
  const door: Door = {
    authenticator: deps.authenticator,
    apiKeyFirst: true,
    sendError: sendAnthropicError,
    onError: deps.onError,
  };
  const readJsonBody = (request: NodeRequest) => readJson(request, deps.maxRequestBytes ?? MAX_BODY_BYTES);

  const messages: Endpoint = async (request, response, principal, start) => {
    const body = await readJsonBody(request);
    const { request: chatRequest, stream } = decodeAnthropicRequest(body);
    // LiteLLM's control fields work here too (the decoder never forwards unknown keys).
    const control = isJsonObject(body) ? readCallControl(body) : undefined;
    const method = stream ? methods.streamChatCompletion : methods.createChatCompletion;
    const call = createDoorCall(method, request, response, principal, start);
    withControl(call.context, control);
    try {
      if (stream) {
        await writeMessageStream(
          request,
          response,
          completion.streamChatCompletion(chatRequest, call.context),
          call.context.responseHeader,
          deps.onError,
        );
      } else {
        const result = await completion.createChatCompletion(chatRequest, call.context);
        sendJson(response, 200, encodeAnthropicMessage(result), call.context.responseHeader);
      }
    } finally {
      call.done();
    }
  };

  const countTokens: Endpoint = async (request, response, principal, start) => {
    const { request: chatRequest } = decodeAnthropicRequest(await readJsonBody(request), {
      requireMaxTokens: false,
    });
    const call = createDoorCall(methods.getModel, request, response, principal, start);
    try {
      // Throws NotFound for a model the gateway does not serve, as Anthropic answers 404.
      completion.getModel(create(GetModelRequestSchema, { id: chatRequest.model }), call.context);
      const count: AnthropicTokenCount = { input_tokens: estimateInputTokens(chatRequest) };
      sendJson(response, 200, count);
    } finally {
      call.done();
    }
  };

  return [
    doorRoute(door, "POST", "/v1/messages", messages),
    doorRoute(door, "POST", "/v1/messages/count_tokens", countTokens),
    {
      method: "*",
      path: "/v1/messages/*",
      handle: (request, response, { path }) =>
        sendAnthropicError(
          response,
          new GatewayError({
            code: Code.NotFound,
            message: `Unknown request URL: ${request.method} ${path}.`,
          }),
        ),
      sendError: sendAnthropicError,
    },
  ];
}

/**
 * Anthropic's SSE framing: each chunk becomes its named events (the encoder
 * keeps the block state), then message_delta / message_stop at the end; a
 * failure after output began is one `event: error`.
 */
async function writeMessageStream(
  request: NodeRequest,
  response: NodeResponse,
  chunks: AsyncGenerator<ChatCompletionChunk>,
  responseHeaders: Headers,
  onError: CompletionDoorDeps["onError"],
): Promise<void> {
  let events = "";
  const encoder = createAnthropicStreamEncoder((event) => {
    events += formatSseEvent(JSON.stringify(event), event.type);
  });
  const take = () => {
    const text = events;
    events = "";
    return text;
  };
  const failure = await writeSseResponse(response, chunks, {
    responseHeaders,
    encode: (chunk) => {
      encoder.encode(chunk);
      return take();
    },
    end: () => {
      encoder.finish();
      return take();
    },
    error: (error) => {
      const { body } = encodeAnthropicError(error, newRequestId());
      return formatSseEvent(JSON.stringify({ type: "error", error: body.error }), "error");
    },
  });
  if (failure && failure.httpStatus >= 500) onError?.(failure, request);
}

export function sendAnthropicError(response: NodeResponse, error: GatewayError): void {
  const { status, headers, body } = encodeAnthropicError(error, newRequestId());
  sendJson(response, status, body, new Headers(headers));
}

/** Anthropic-style request id for error bodies and the `request-id` header. */
function newRequestId(): string {
  return `req_${randomUUID().replaceAll("-", "")}`;
}
