import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfig } from "../../src/config/load-config.js";

const models = "model_list:\n  - model_name: m\n    litellm_params: { model: openai/gpt-4o }\n";
const parse = (settings: string, env: NodeJS.ProcessEnv = {}, router = "") =>
  parseConfig(`${models}${router}litellm_settings:\n${settings}`, {
    source: "test.yaml",
    env,
    knownProviders: new Set(["openai"]),
  });

function problemsOf(settings: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parse(settings, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

/** litellm_settings.cache and cache_params as LiteLLM users write them. */
describe("cache settings", () => {
  it("reads a local cache with LiteLLM's keys, and warns about nothing", () => {
    const config = parse(
      "  cache: true\n  cache_params:\n    type: local\n    ttl: 120\n    namespace: team-a\n    mode: default_off\n    supported_call_types: [acompletion, embedding]\n",
    );
    expect(config.warnings).toEqual([]);
    expect(config.cache).toMatchObject({
      type: "local",
      ttlSeconds: 120,
      namespace: "team-a",
      defaultOff: true,
      callKinds: new Set(["chat", "embeddings"]),
    });
  });

  it("is off without cache: true, and says cache_params are then ignored", () => {
    const config = parse("  cache_params: { type: local }\n");
    expect(config.cache).toBeUndefined();
    expect(config.warnings).toEqual([
      "litellm_settings.cache_params: ignored: litellm_settings.cache is not true",
    ]);
  });

  it("finds the Redis in cache_params, LiteLLM's REDIS_HOST, or the router's settings", () => {
    expect(
      parse(
        "  cache: true\n  cache_params: { type: redis, host: cache.internal, port: 6380, password: s3cret }\n",
      ).cache?.redisUrl,
    ).toBe("redis://:s3cret@cache.internal:6380");
    expect(
      parse("  cache: true\n  cache_params: { type: redis }\n", { REDIS_HOST: "from-env" }).cache?.redisUrl,
    ).toBe("redis://from-env:6379");
    expect(
      parse("  cache: true\n", {}, "router_settings: { redis_host: router-redis }\n").cache,
    ).toMatchObject({ type: "redis", redisUrl: "redis://router-redis:6379" });
    // No type and no Redis anywhere: the local cache.
    expect(parse("  cache: true\n").cache?.type).toBe("local");
  });

  it.each([
    [
      "a ttl that is not a number",
      "  cache: true\n  cache_params: { type: local, ttl: soon }\n",
      'litellm_settings.cache_params.ttl: expected a positive number, got "soon"',
    ],
    [
      "a backend Switchyard does not serve",
      "  cache: true\n  cache_params: { type: qdrant-semantic }\n",
      'litellm_settings.cache_params.type: expected one of local, redis, got "qdrant-semantic" (not served by Switchyard)',
    ],
    [
      "an unknown call type",
      "  cache: true\n  cache_params: { type: local, supported_call_types: [completion, chat] }\n",
      'litellm_settings.cache_params.supported_call_types[1]: expected one of completion, acompletion, text_completion, atext_completion, embedding, aembedding, transcription, atranscription, rerank, arerank, got "chat"',
    ],
    [
      "an unknown mode",
      "  cache: true\n  cache_params: { type: local, mode: sometimes }\n",
      'litellm_settings.cache_params.mode: expected default_on or default_off, got "sometimes"',
    ],
    [
      "redis without a Redis",
      "  cache: true\n  cache_params: { type: redis }\n",
      "litellm_settings.cache_params.type: redis needs a Redis: cache_params host/port/password or url, REDIS_URL or REDIS_HOST, or router_settings.redis_*",
    ],
    [
      "cache that is not a boolean",
      "  cache: sometimes\n",
      'litellm_settings.cache: expected true or false, got "sometimes"',
    ],
    [
      "cache_params that are not a mapping",
      "  cache: true\n  cache_params: [redis]\n",
      "litellm_settings.cache_params: expected a mapping, got a list",
    ],
  ])("refuses %s, naming the key", (_name, settings, problem) => {
    expect(problemsOf(settings)).toEqual([problem]);
  });

  it("never shows the Redis password in a problem", () => {
    const problems = problemsOf(
      "  cache: true\n  cache_params: { type: redis, host: h, password: [not, text] }\n",
    );
    expect(problems.join("\n")).not.toContain("not");
  });
});
