import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const KEY = "sk-image-cost-master";
let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  const entry = (name: string, model: string, extra = "") =>
    `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${upstream.url}, api_key: sk-up }\n${extra}`;
  gateway = await startGateway(
    [
      `general_settings: { master_key: ${KEY} }`,
      "model_list:",
      entry("dalle3", "dall-e-3"),
      entry("dalle2", "dall-e-2"),
      entry("image1", "gpt-image-1"),
      entry("own-price", "in-house-painter", "    model_info: { input_cost_per_image: 0.25 }\n"),
      entry("unpriced", "in-house-painter"),
    ].join("\n"),
  );
  client = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** One generation through the official client: the cost header the gateway answered with. */
async function costOf(body: OpenAI.Images.ImageGenerateParams): Promise<string | null> {
  const { response } = await client.images.generate(body).withResponse();
  expect(response.status).toBe(200);
  return response.headers.get("x-litellm-response-cost");
}

describe("the cost of an image generation, as LiteLLM prices it", () => {
  it("prices DALL·E per pixel of the size and quality asked for, times n", async () => {
    // standard/1024-x-1024/dall-e-3: 3.81469e-8 a pixel, i.e. $0.04 an image.
    expect(
      Number(await costOf({ model: "dalle3", prompt: "a fox", size: "1024x1024", quality: "standard" })),
    ).toBeCloseTo(0.04, 4);
    // hd/1024-x-1792/dall-e-3: 6.539e-8 a pixel.
    expect(
      Number(await costOf({ model: "dalle3", prompt: "a fox", size: "1024x1792", quality: "hd" })),
    ).toBeCloseTo(6.539e-8 * 1024 * 1792, 6);
    // 512-x-512/dall-e-2, two images.
    const two = Number(await costOf({ model: "dalle2", prompt: "a fox", size: "512x512", n: 2 }));
    expect(two).toBeCloseTo(2 * 512 * 512 * 6.86e-8, 6);
  });

  it("prices gpt-image-1 by its sized entry, medium quality by default, else by the tokens it reports", async () => {
    // medium/1024-x-1024/gpt-image-1: $0.042 an image (LiteLLM tries the medium entry when no quality is given).
    expect(Number(await costOf({ model: "image1", prompt: "a fox" }))).toBeCloseTo(0.042, 6);
    // No sized entry for 2048x2048: the base entry's token prices and the answer's tokens (50 in, 4,160 out).
    // As in LiteLLM, only input_cost_per_token ($5 per million) applies: the entry sets no output_cost_per_token.
    const sized = await costOf({ model: "image1", prompt: "a fox", size: "2048x2048" as "1024x1024" });
    expect(Number(sized)).toBeCloseTo(50 * 5e-6, 8);
  });

  it("prefers the deployment's own price, and leaves an unpriced model without a cost", async () => {
    expect(Number(await costOf({ model: "own-price", prompt: "a fox", n: 3 }))).toBeCloseTo(0.75, 8);
    expect(await costOf({ model: "unpriced", prompt: "a fox" })).toBeNull();
  });
});
