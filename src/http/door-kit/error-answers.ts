import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";
import { encodeOpenAIError } from "../../wire/openai/openai-error.js";
import type { NodeRequest, NodeResponse } from "../node-http.js";
import { sendJson } from "./json-answer.js";

/** OpenAI's error JSON: the OpenAI door's, LiteLLM's routes', and the gateway's own (404, 405, console). */
export function sendOpenAIError(response: NodeResponse, error: GatewayError): void {
  const { status, headers, body } = encodeOpenAIError(error);
  sendJson(response, status, body, new Headers(headers));
}

export function methodNotAllowed(method: string, path: string): GatewayError {
  return new GatewayError({
    code: Code.InvalidArgument,
    message: `Method ${method} is not allowed on ${path}.`,
    httpStatus: 405,
  });
}

/** OpenAI's 404 for a URL nothing serves; `url` as the caller should see it. */
export function unknownUrl(method: string, url: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `Unknown request URL: ${method} ${url}.`,
    errorCode: "unknown_url",
    type: "invalid_request_error",
  });
}

/** What the gateway answers where no door and no RPC serves the path. */
export function sendUnknownUrl(request: NodeRequest, response: NodeResponse): void {
  sendOpenAIError(response, unknownUrl(request.method ?? "", request.url ?? ""));
}
