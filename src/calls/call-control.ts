import type { JsonObject } from "@bufbuild/protobuf";
import { Code, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import { mockProvider } from "../providers/registry.js";
import type { Deployment } from "../router/deployment.js";
import type { RouteOverrides } from "../router/router.js";
import { type CallControl, readCallControl } from "../wire/litellm/control-fields.js";

export const callControlKey = createContextKey<CallControl | undefined>(undefined, {
  description: "LiteLLM request-body control fields",
});

/**
 * The request's LiteLLM control fields: from the REST body (the shim read
 * them), else from an RPC caller's extra_body.
 */
export function callControlOf(request: object, context: HandlerContext): CallControl | undefined {
  const fromBody = context.values.get(callControlKey);
  if (fromBody !== undefined) return fromBody;
  const extraBody = (request as { extraBody?: JsonObject }).extraBody;
  return extraBody === undefined ? undefined : readCallControl(extraBody);
}

/** What the control asks of the router; undefined when nothing. */
export function routeOverrides(control: CallControl | undefined): RouteOverrides | undefined {
  if (control === undefined) return undefined;
  const { fallbacks, numRetries, timeoutMs, mockTestingFallbacks } = control;
  if (
    fallbacks === undefined &&
    numRetries === undefined &&
    timeoutMs === undefined &&
    !mockTestingFallbacks
  ) {
    return undefined;
  }
  return {
    fallbacks,
    numRetries,
    timeoutMs,
    failRequestedGroup: mockTestingFallbacks
      ? new GatewayError({
          code: Code.Unavailable,
          message: "mock_testing_fallbacks: the requested model group failed on purpose",
          retryable: true,
        })
      : undefined,
  };
}

/** LiteLLM's mock_testing_rate_limit_error: the 429 a rate-limited upstream would cause. */
export function mockRateLimitError(): GatewayError {
  return new GatewayError({
    code: Code.ResourceExhausted,
    message: "mock_testing_rate_limit_error: a rate limit error, on purpose",
    errorCode: "rate_limit_exceeded",
  });
}

/**
 * The deployment answering `mock_response` instead of its upstream: same id
 * and group (for headers and accounting), the mock provider with the text.
 */
export function mockedDeployment(deployment: Deployment, text: string): Deployment {
  const target = deployment.target();
  const mocked = { ...target, params: { ...target.params, mock_response: text } };
  return Object.create(deployment, {
    provider: { value: mockProvider, enumerable: true },
    target: { value: () => mocked, enumerable: true },
  });
}
