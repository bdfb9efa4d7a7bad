import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { ChatCompletionRequestSchema } from "../../gen/switchyard/v1/completion_pb.js";
import { vertexModelUrl } from "../../src/providers/vertex/vertex-endpoint.js";
import { decodeGeminiUpstreamError } from "../../src/wire/gemini/gemini-error.js";
import { encodeGeminiRequest } from "../../src/wire/gemini/gemini-request-encode.js";

const noHeaders = { get: () => null };
const target = (params: Record<string, unknown>, apiBase?: string) => ({
  deploymentId: "d1",
  model: "gemini-2.5-flash",
  apiBase,
  params,
});

describe("Vertex AI model URLs", () => {
  it("use the regional host, and the bare host for the global location", () => {
    const environment = { project: undefined, location: undefined };
    expect(
      vertexModelUrl(
        target({ vertex_project: "p", vertex_location: "europe-west1" }),
        environment,
        undefined,
      ),
    ).toBe(
      "https://europe-west1-aiplatform.googleapis.com/v1/projects/p/locations/europe-west1/publishers/google/models/gemini-2.5-flash",
    );
    expect(
      vertexModelUrl(target({ vertex_project: "p", vertex_location: "global" }), environment, undefined),
    ).toBe(
      "https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash",
    );
  });

  it("fall back on VERTEXAI_PROJECT / VERTEXAI_LOCATION, then us-central1", () => {
    expect(vertexModelUrl(target({}), { project: "env-project", location: undefined }, "key-project")).toBe(
      "https://us-central1-aiplatform.googleapis.com/v1/projects/env-project/locations/us-central1/publishers/google/models/gemini-2.5-flash",
    );
  });

  it("take a proxy's full model URL as it is", () => {
    const proxy =
      "https://gateway.example/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash";
    expect(vertexModelUrl(target({}, proxy), { project: undefined, location: undefined }, undefined)).toBe(
      proxy,
    );
  });

  it("without any project is a configuration error naming the deployment", () => {
    expect(() => vertexModelUrl(target({}), { project: undefined, location: undefined }, undefined)).toThrow(
      /deployment d1: vertex_ai needs litellm_params.vertex_project/,
    );
  });
});

describe("Google error bodies", () => {
  it("an invalid API key (400 API_KEY_INVALID) is an authentication error", () => {
    const body = JSON.stringify({
      error: {
        code: 400,
        message: "API key not valid. Please pass a valid API key.",
        status: "INVALID_ARGUMENT",
        details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }],
      },
    });
    expect(decodeGeminiUpstreamError(400, body, noHeaders).httpStatus).toBe(401);
  });

  it("a retry-after header wins over RetryInfo", () => {
    const body = JSON.stringify({
      error: {
        code: 429,
        message: "quota",
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "30s" }],
      },
    });
    expect(decodeGeminiUpstreamError(429, body, noHeaders).retryAfterMs).toBe(30_000);
    const headers = { get: (name: string) => (name === "retry-after" ? "5" : null) };
    expect(decodeGeminiUpstreamError(429, body, headers).retryAfterMs).toBe(5_000);
  });
});

describe("Gemini request encoding", () => {
  it("sends images as inlineData (data URLs) or fileData (other URLs), and n as candidateCount", () => {
    const request = create(ChatCompletionRequestSchema, {
      n: 2,
      messages: [
        {
          role: Role.USER,
          content: [
            { part: { case: "imageUrl", value: { url: "data:image/png;base64,AAAA" } } },
            { part: { case: "imageUrl", value: { url: "gs://bucket/cat.jpg" } } },
          ],
        },
      ],
    });
    expect(encodeGeminiRequest(request)).toEqual({
      contents: [
        {
          role: "user",
          parts: [
            { inlineData: { mimeType: "image/png", data: "AAAA" } },
            { fileData: { mimeType: "image/jpeg", fileUri: "gs://bucket/cat.jpg" } },
          ],
        },
      ],
      generationConfig: { candidateCount: 2 },
    });
  });

  it("rejects a tool result that answers no earlier call", () => {
    const request = create(ChatCompletionRequestSchema, {
      messages: [
        { role: Role.TOOL, toolCallId: "call_1", content: [{ part: { case: "text", value: "x" } }] },
      ],
    });
    expect(() => encodeGeminiRequest(request)).toThrow(/messages\[0\].tool_call_id/);
  });
});
