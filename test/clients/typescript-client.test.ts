import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwitchyardClient, DeploymentSource, type RouteMetadata } from "../../src/client/index.js";
import { type Fixture, startFixture } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

/** What the TypeScript client adds for browsers; clients.test.ts drives it like the other languages. */
let fixture: Fixture;
beforeAll(async () => {
  fixture = await startFixture();
});
afterAll(() => fixture.close());

describe("the TypeScript client in a browser's shoes", () => {
  it("streams over gRPC-web with a key given in code, told the route before the first chunk", async () => {
    const client = createSwitchyardClient(
      createGrpcWebTransport({ baseUrl: fixture.gateway.url, httpVersion: "1.1" }),
      { apiKey: MASTER_KEY },
    );
    let route: RouteMetadata | undefined;
    let routeAtFirstChunk: RouteMetadata | undefined;
    let chunks = 0;
    for await (const _chunk of client.streamChat("gpt-test", "one two three", {
      onRoute: (received) => (route = received),
    })) {
      if (chunks++ === 0) routeAtFirstChunk = route;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(routeAtFirstChunk).toMatchObject({ modelGroup: "gpt-test", attemptedRetries: 0 });
  });

  it("lists the deployments through its Model service client", async () => {
    const client = createSwitchyardClient(
      createGrpcWebTransport({ baseUrl: fixture.gateway.url, httpVersion: "1.1" }),
      { apiKey: MASTER_KEY },
    );
    const listed = await client.models.listDeployments({ modelName: "gpt-test" });
    expect(listed.deployments.map((deployment) => deployment.modelName)).toEqual(["gpt-test"]);
    expect(listed.deployments[0]?.source).toBe(DeploymentSource.CONFIG);
  });

  it("bundles for browsers: no Node module among its imports", async () => {
    const result = await build({
      entryPoints: ["src/client/index.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]?.text).toContain("x-litellm-model-group");
  });
});
