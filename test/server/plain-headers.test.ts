import { describe, expect, it } from "vitest";
import { PlainHeaders } from "../../src/http/plain-headers.js";

describe("PlainHeaders", () => {
  it("behaves as Headers for what the services do with response headers", () => {
    const headers = new PlainHeaders();
    headers.set("X-LiteLLM-Model-Id", "deployment-1");
    headers.append("x-litellm-model-id", "deployment-2");
    headers.set("x-ratelimit-limit-requests", "10");
    expect(headers.get("x-litellm-model-id")).toBe("deployment-1, deployment-2");
    expect(headers.has("X-RATELIMIT-LIMIT-REQUESTS")).toBe(true);
    headers.delete("x-ratelimit-limit-requests");
    expect(headers.get("x-ratelimit-limit-requests")).toBeNull();
    expect([...headers]).toEqual([["x-litellm-model-id", "deployment-1, deployment-2"]]);
    expect(headers.toObject({ "content-length": 2 })).toEqual({
      "x-litellm-model-id": "deployment-1, deployment-2",
      "content-length": 2,
    });
  });

  it("refuses a value that would split the response, where it is set", () => {
    const headers = new PlainHeaders();
    expect(() => headers.set("x-litellm-cache-key", "a\r\nset-cookie: x=1")).toThrow(/Invalid character/);
    expect(() => headers.set("bad name", "v")).toThrow();
    expect(headers.has("x-litellm-cache-key")).toBe(false);
  });
});
