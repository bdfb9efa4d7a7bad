import { afterEach, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

describe("GET /health/readiness", () => {
  let running: RunningGateway | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function readiness(yaml: string): Promise<Record<string, unknown>> {
    running = await startGateway(yaml);
    const response = await fetch(`${running.url}/health/readiness`);
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  it("lists the success callbacks the gateway runs, as LiteLLM's body does (not those it ignores)", async () => {
    const body = await readiness(
      "model_list: []\nlitellm_settings:\n  success_callback: [prometheus, langfuse]\n  callbacks: [prometheus]\n",
    );
    expect(body).toMatchObject({ status: "healthy", success_callbacks: ["prometheus"] });
    expect(typeof body.litellm_version).toBe("string");
  });

  it("answers an empty list when no callback is configured", async () => {
    expect((await readiness("model_list: []\n")).success_callbacks).toEqual([]);
  });
});
