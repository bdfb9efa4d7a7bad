import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const KEY = "sk-parse-errors-master";
let running: RunningGateway;

beforeAll(async () => {
  running = await startGateway(`
general_settings: { master_key: ${KEY} }
model_list:
  - model_name: demo
    litellm_params: { model: openai/gpt-4o-mini, mock_response: hi }
`);
});
afterAll(async () => {
  await running?.close();
});

const PATH = "/switchyard.v1.CompletionService/CreateChatCompletion";
/** Field 1 (a string) with a length running past the end: no protobuf decoder can read it. */
const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);

/** A message the server cannot decode is the caller's fault: INVALID_ARGUMENT, not INTERNAL. */
describe("request messages that do not decode", () => {
  it("answer Connect callers 400 invalid_argument", async () => {
    const response = await fetch(`${running.url}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/proto", authorization: `Bearer ${KEY}` },
      body: garbage,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_argument" });
  });

  it("answer gRPC callers status 3 (INVALID_ARGUMENT)", async () => {
    const session = http2.connect(running.url);
    session.on("error", () => {});
    try {
      const frame = Buffer.alloc(5 + garbage.length);
      frame.writeUInt32BE(garbage.length, 1);
      garbage.copy(frame, 5);
      const stream = session.request({
        ":method": "POST",
        ":path": PATH,
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `Bearer ${KEY}`,
      });
      const status = new Promise<string | undefined>((resolve) => {
        stream.on("trailers", (trailers) => resolve(String(trailers["grpc-status"])));
        stream.on("response", (headers) => {
          if (headers["grpc-status"] !== undefined) resolve(String(headers["grpc-status"]));
        });
      });
      stream.end(frame);
      stream.resume();
      expect(await status).toBe("3");
    } finally {
      session.close();
    }
  });
});
