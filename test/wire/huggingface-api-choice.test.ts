import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { resolveHuggingFaceDeployment } from "../../src/providers/huggingface/huggingface-deployment.js";
import { chooseHuggingFaceApi } from "../../src/providers/huggingface/huggingface-task.js";
import type { UpstreamTarget } from "../../src/providers/provider.js";

function target(model: string, fields: Partial<UpstreamTarget> = {}): UpstreamTarget {
  return { deploymentId: "d1", model, params: {}, ...fields };
}

describe("how a huggingface/… deployment picks its API", () => {
  it("follows litellm_params.task when given, whatever the api_base says", () => {
    expect(chooseHuggingFaceApi("text-generation", "https://host/v1")).toBe("text-generation");
    expect(chooseHuggingFaceApi("chat", "https://host")).toBe("chat");
    expect(chooseHuggingFaceApi("conversational", undefined)).toBe("chat");
    expect(chooseHuggingFaceApi("text-generation-inference", undefined)).toBe("text-generation");
  });

  it("reads an api_base ending in /v1 as chat, any other api_base as text-generation", () => {
    expect(chooseHuggingFaceApi(undefined, "https://router.huggingface.co/v1")).toBe("chat");
    expect(chooseHuggingFaceApi(undefined, "https://x.endpoints.huggingface.cloud/v1")).toBe("chat");
    expect(chooseHuggingFaceApi(undefined, "https://router.huggingface.co/hf-inference/models/gpt2")).toBe(
      "text-generation",
    );
    expect(chooseHuggingFaceApi(undefined, "http://tgi:8080")).toBe("text-generation");
  });

  it("sends a deployment without api_base or task to the router's chat completions", () => {
    expect(chooseHuggingFaceApi(undefined, undefined)).toBe("chat");
    const deployment = resolveHuggingFaceDeployment(target("bigcode/starcoder"), {});
    expect(deployment.api === "chat" && deployment.chatTarget).toMatchObject({
      apiBase: "https://router.huggingface.co/v1",
      model: "bigcode/starcoder",
    });
  });

  it("rejects an unknown task with a message naming the key", () => {
    let failure: unknown;
    try {
      chooseHuggingFaceApi("summarization", undefined);
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: Code.Internal, httpStatus: 500 });
    expect(String((failure as Error).message)).toContain("litellm_params.task");
  });
});

describe("resolving a huggingface deployment", () => {
  it("names the router model org/name:provider for a 3-part slug", () => {
    const deployment = resolveHuggingFaceDeployment(target("together/deepseek-ai/DeepSeek-R1"), {});
    expect(deployment.api === "chat" && deployment.chatTarget.model).toBe("deepseek-ai/DeepSeek-R1:together");
  });

  it("takes api_key first, then HUGGINGFACE_API_KEY, then HF_TOKEN", () => {
    const env = { HUGGINGFACE_API_KEY: "hf_a", HF_TOKEN: "hf_b" };
    const keyOf = (fields: Partial<UpstreamTarget>, environment: Record<string, string>) => {
      const deployment = resolveHuggingFaceDeployment(target("org/name", fields), environment);
      return deployment.api === "chat" ? deployment.chatTarget.apiKey : deployment.headers.authorization;
    };
    expect(keyOf({ apiKey: "hf_config" }, env)).toBe("hf_config");
    expect(keyOf({}, env)).toBe("hf_a");
    expect(keyOf({}, { HF_TOKEN: "hf_b" })).toBe("hf_b");
    expect(keyOf({ apiBase: "http://tgi:8080" }, { HF_TOKEN: "hf_b" })).toBe("Bearer hf_b");
  });

  it("posts to TGI's /generate and /generate_stream on a bare host", () => {
    const deployment = resolveHuggingFaceDeployment(
      target("bigcode/starcoder", { apiBase: "http://tgi:8080" }),
      {},
    );
    expect(deployment).toMatchObject({
      api: "text-generation",
      generateUrl: "http://tgi:8080/generate",
      streamUrl: "http://tgi:8080/generate_stream",
      streamInBody: false,
    });
  });

  it("posts to the classic model URL itself, streaming with stream: true in the body", () => {
    const apiBase = "https://router.huggingface.co/hf-inference/models/bigcode/starcoder";
    const deployment = resolveHuggingFaceDeployment(target("bigcode/starcoder", { apiBase }), {});
    expect(deployment).toMatchObject({ generateUrl: apiBase, streamUrl: apiBase, streamInBody: true });
  });

  it("builds the classic Inference API URL for task: text-generation without api_base", () => {
    const deployment = resolveHuggingFaceDeployment(
      target("bigcode/starcoder", { params: { task: "text-generation" } }),
      {},
    );
    expect(deployment).toMatchObject({
      api: "text-generation",
      generateUrl: "https://router.huggingface.co/hf-inference/models/bigcode/starcoder",
    });
  });

  it("adds /v1 to an api_base when task: chat says the host serves chat", () => {
    const deployment = resolveHuggingFaceDeployment(
      target("org/name", { apiBase: "http://tgi:8080", params: { task: "chat" } }),
      {},
    );
    expect(deployment.api === "chat" && deployment.chatTarget.apiBase).toBe("http://tgi:8080/v1");
  });

  it("works a deployment out once and reuses it", () => {
    const once = target("org/name");
    expect(resolveHuggingFaceDeployment(once, {})).toBe(resolveHuggingFaceDeployment(once, {}));
  });

  it("refuses an unknown chat_template", () => {
    expect(() =>
      resolveHuggingFaceDeployment(
        target("org/name", { apiBase: "http://tgi", params: { chat_template: "llama" } }),
        {},
      ),
    ).toThrow(/chat_template/);
  });
});
