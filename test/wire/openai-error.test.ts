import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { decodeUpstreamError, encodeOpenAIError } from "../../src/wire/openai/openai-error.js";

const noHeaders = new Headers();

function openAIBody(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

describe("decodeUpstreamError status table", () => {
  it.each([
    [400, Code.InvalidArgument, 400, false],
    [413, Code.InvalidArgument, 413, false],
    [422, Code.InvalidArgument, 422, false],
    [402, Code.InvalidArgument, 402, false],
    [401, Code.Unauthenticated, 401, false],
    [403, Code.PermissionDenied, 403, false],
    [404, Code.NotFound, 404, false],
    [408, Code.DeadlineExceeded, 504, true],
    [409, Code.Aborted, 409, true],
    [429, Code.ResourceExhausted, 429, true],
    [500, Code.Unavailable, 502, true],
    [502, Code.Unavailable, 502, true],
    [503, Code.Unavailable, 502, true],
    [529, Code.Unavailable, 502, true],
    [599, Code.Unavailable, 502, true],
    [504, Code.DeadlineExceeded, 504, true],
  ])("HTTP %i → code %i, our HTTP %i, retryable %s", (status, code, httpStatus, retryable) => {
    const error = decodeUpstreamError(status, openAIBody("boom", "api_error"), noHeaders);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe(code);
    expect(error.httpStatus).toBe(httpStatus);
    expect(error.retryable).toBe(retryable);
    expect(error.rawMessage).toBe("boom");
  });
});

describe("decodeUpstreamError details", () => {
  it("keeps the upstream's message, type, code and param", () => {
    const error = decodeUpstreamError(
      400,
      openAIBody("Invalid value for 'temperature'", "invalid_request_error", "invalid_value", "temperature"),
      noHeaders,
    );
    expect(error).toMatchObject({
      type: "invalid_request_error",
      errorCode: "invalid_value",
      param: "temperature",
      rawMessage: "Invalid value for 'temperature'",
    });
  });

  it("keeps context_length_exceeded, and recognises it from the message alone", () => {
    const coded = decodeUpstreamError(
      400,
      openAIBody(
        "This model's maximum context length is 8192 tokens.",
        "invalid_request_error",
        "context_length_exceeded",
        "messages",
      ),
      noHeaders,
    );
    expect(coded.errorCode).toBe("context_length_exceeded");
    const uncoded = decodeUpstreamError(
      400,
      JSON.stringify({ message: "prompt is too long: 210000 tokens" }),
      noHeaders,
    );
    expect(uncoded.errorCode).toBe("context_length_exceeded");
    expect(uncoded.rawMessage).toBe("prompt is too long: 210000 tokens");
  });

  it("reads an `error` string, a `message`, a `detail`, plain text, and ignores HTML", () => {
    expect(decodeUpstreamError(400, JSON.stringify({ error: "bad thing" }), noHeaders).rawMessage).toBe(
      "bad thing",
    );
    expect(decodeUpstreamError(404, JSON.stringify({ message: "no such model" }), noHeaders).rawMessage).toBe(
      "no such model",
    );
    expect(decodeUpstreamError(422, JSON.stringify({ detail: "field required" }), noHeaders).rawMessage).toBe(
      "field required",
    );
    expect(decodeUpstreamError(503, "overloaded, try later\n", noHeaders).rawMessage).toBe(
      "overloaded, try later",
    );
    expect(decodeUpstreamError(502, "<html><body>Bad Gateway</body></html>", noHeaders).rawMessage).toBe(
      "upstream returned HTTP 502",
    );
    expect(decodeUpstreamError(500, "", noHeaders).rawMessage).toBe("upstream returned HTTP 500");
    expect(decodeUpstreamError(500, "{not json", noHeaders).rawMessage).toBe("{not json");
  });

  it("drops an upstream type we do not know, deriving ours from the code", () => {
    const error = decodeUpstreamError(
      429,
      openAIBody("quota", "insufficient_quota", "insufficient_quota"),
      noHeaders,
    );
    expect(error.type).toBe("rate_limit_error");
    expect(error.errorCode).toBe("insufficient_quota");
  });

  it("bounds the message and redacts key-like tokens", () => {
    const long = decodeUpstreamError(400, openAIBody("x".repeat(10_000), "invalid_request_error"), noHeaders);
    expect(long.rawMessage.length).toBeLessThanOrEqual(2001);
    const leaked = decodeUpstreamError(
      401,
      openAIBody(
        "Incorrect API key provided: sk-proj-abcdefghijklmnop1234. Bearer abcdefghijklmnopqrstuvwxyz",
        "invalid_request_error",
      ),
      noHeaders,
    );
    expect(leaked.rawMessage).not.toContain("abcdefghijklmnop");
    expect(leaked.rawMessage).toContain("Incorrect API key provided: [redacted]");
  });

  it("reads retry hints: retry-after-ms, then retry-after seconds or date", () => {
    expect(
      decodeUpstreamError(429, "", new Headers({ "retry-after-ms": "1500", "retry-after": "9" }))
        .retryAfterMs,
    ).toBe(1500);
    expect(decodeUpstreamError(429, "", new Headers({ "retry-after": "2" })).retryAfterMs).toBe(2000);
    const date = new Date(Date.now() + 30_000).toUTCString();
    const fromDate = decodeUpstreamError(429, "", new Headers({ "retry-after": date })).retryAfterMs;
    expect(fromDate).toBeGreaterThan(25_000);
    expect(fromDate).toBeLessThanOrEqual(30_000);
    expect(decodeUpstreamError(429, "", new Headers({ "retry-after": "soon" })).retryAfterMs).toBeUndefined();
    expect(decodeUpstreamError(429, "", noHeaders).retryAfterMs).toBeUndefined();
  });
});

describe("encodeOpenAIError", () => {
  it("renders OpenAI's error body with the error's status", () => {
    const { status, body, headers } = encodeOpenAIError(
      GatewayError.invalidArgument("'messages' is required", "messages"),
    );
    expect(status).toBe(400);
    expect(headers).toEqual({});
    expect(body).toEqual({
      error: {
        message: "'messages' is required",
        type: "invalid_request_error",
        param: "messages",
        code: null,
      },
    });
  });

  it("passes an upstream error through with its code and retry hint", () => {
    const upstream = decodeUpstreamError(
      429,
      openAIBody("Rate limit reached", "rate_limit_error", "rate_limit_exceeded"),
      new Headers({ "retry-after-ms": "1200" }),
    );
    expect(encodeOpenAIError(upstream)).toEqual({
      status: 429,
      headers: { "retry-after": "2", "retry-after-ms": "1200" },
      body: {
        error: {
          message: "Rate limit reached",
          type: "rate_limit_error",
          param: null,
          code: "rate_limit_exceeded",
        },
      },
    });
  });

  it("shows an upstream 5xx as 502", () => {
    expect(encodeOpenAIError(decodeUpstreamError(500, "", noHeaders)).status).toBe(502);
  });
});
