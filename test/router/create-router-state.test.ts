import { describe, expect, it } from "vitest";
import { describeRedisUrl, resolveRedisUrl } from "../../src/router/create-router-state.js";

describe("where the router finds Redis", () => {
  it("prefers REDIS_URL from the environment over router_settings", () => {
    expect(
      resolveRedisUrl(
        { REDIS_URL: "redis://cache:6380" },
        { redis_url: "redis://other:6379", redis_host: "x" },
      ),
    ).toBe("redis://cache:6380");
  });

  it("takes router_settings.redis_url, then redis_host with port and password", () => {
    expect(resolveRedisUrl({}, { redis_url: "redis://cache:6379/2", redis_host: "ignored" })).toBe(
      "redis://cache:6379/2",
    );
    expect(
      resolveRedisUrl({}, { redis_host: "cache", redis_port: 6380, redis_password: "p@ss:word/1" }),
    ).toBe("redis://:p%40ss%3Aword%2F1@cache:6380");
    expect(resolveRedisUrl({}, { redis_host: "cache" })).toBe("redis://cache:6379");
  });

  it("keeps state in process when nothing names a Redis", () => {
    expect(resolveRedisUrl({ REDIS_URL: "" }, { redis_port: 6379 })).toBeUndefined();
  });

  it("describes a Redis URL for logs without its credentials", () => {
    expect(describeRedisUrl("redis://user:secret@cache:6380/1")).toBe("redis://cache:6380/1");
    expect(describeRedisUrl("rediss://:secret@cache")).toBe("rediss://cache:6379");
    expect(describeRedisUrl("cache:6379")).toBe("redis://cache:6379");
    expect(describeRedisUrl("::not a url::secret")).not.toContain("secret");
  });
});
