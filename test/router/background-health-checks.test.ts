import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import { eventually } from "../keys/key-gateway.js";

/**
 * `background_health_checks: true`: a deployment failing its check is skipped by the router while
 * its group has a healthy one, and used again once it passes; GET /health answers from the loop.
 */
describe("background health checks", () => {
  let sick: FakeOpenAI;
  let well: FakeOpenAI;
  let gateway: RunningGateway;
  let client: OpenAI;

  beforeAll(async () => {
    [sick, well] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
    sick.down = true;
    // No retries and no cooldowns: a call the router sent to the sick deployment would fail.
    gateway = await startGateway(`
model_list:
  - model_name: group
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${sick.url}, api_key: k }
    model_info: { id: sick-one }
  - model_name: group
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${well.url}, api_key: k }
    model_info: { id: well-one }
router_settings: { num_retries: 0, disable_cooldowns: true }
general_settings: { master_key: ${MASTER_KEY}, background_health_checks: true, health_check_interval: 0.05 }
`);
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([sick?.close(), well?.close()]);
  });

  const health = async () => {
    const response = await fetch(`${gateway.url}/health`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      healthy_endpoints: { model_id: string }[];
      unhealthy_endpoints: { model_id: string; error: string }[];
    };
  };
  const callsTo = (fake: FakeOpenAI) =>
    fake.requests.filter((request) => JSON.stringify(request.body).includes("route me")).length;
  const ask = () =>
    client.chat.completions.create({ model: "group", messages: [{ role: "user", content: "route me" }] });

  it("skips the deployment failing its checks, and uses it again once it recovers", async () => {
    await eventually(async () => (await health()).unhealthy_endpoints.some((e) => e.model_id === "sick-one"));
    const report = await health();
    expect(report.healthy_endpoints.map((e) => e.model_id)).toEqual(["well-one"]);
    expect(report.unhealthy_endpoints[0]!.error).toContain("overloaded");

    for (let i = 0; i < 20; i++) await ask();
    expect(callsTo(well)).toBe(20);
    expect(callsTo(sick)).toBe(0);

    sick.down = false;
    await eventually(async () => (await health()).healthy_endpoints.length === 2);
    // Random between two: 40 calls all missing one has odds 2^-40.
    for (let i = 0; i < 40; i++) await ask();
    expect(callsTo(sick)).toBeGreaterThan(0);
  });

  it("still tries the deployments when the whole group is unhealthy, rather than refuse", async () => {
    sick.down = true;
    well.down = true;
    await eventually(async () => (await health()).healthy_endpoints.length === 0);
    const before = callsTo(sick) + callsTo(well);
    for (let i = 0; i < 5; i++) {
      // The upstream's own error comes back: the call was sent, not refused by the gateway.
      await expect(ask()).rejects.toMatchObject({ message: expect.stringContaining("overloaded") });
    }
    expect(callsTo(sick) + callsTo(well) - before).toBe(5);
    sick.down = false;
    well.down = false;
  });
});
