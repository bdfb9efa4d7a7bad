import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import {
  call,
  chatError,
  eventually,
  type KeyGateway,
  keysYaml,
  postgresBackend,
  startKeyGateway,
  UPSTREAM_KEY,
} from "./key-gateway.js";

const backend = postgresBackend();

describe.skipIf(backend.skipReason !== undefined)("virtual keys across replicas sharing one Postgres", () => {
  let upstream: FakeOpenAI;
  const stores: Store[] = [];
  const replicas: KeyGateway[] = [];

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
    await backend.setUp();
    for (let index = 0; index < 2; index++) {
      const store = backend.open();
      stores.push(store);
      replicas.push(await startKeyGateway(keysYaml(upstream), { store }));
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await Promise.all(stores.map((store) => store.close()));
    await upstream?.close();
    await backend.tearDown();
  });

  /** The status `replica` answers a chat completion with `key` with. */
  async function status(replica: KeyGateway, key: string): Promise<number> {
    const answer = await call(
      `${replica.url}/v1/chat/completions`,
      "POST",
      { model: "gpt-test", messages: [{ role: "user", content: "hi" }] },
      key,
    );
    return answer.status;
  }

  it("a key generated, blocked, regenerated and deleted on one replica is honoured on the other", async () => {
    const [first, second] = replicas as [KeyGateway, KeyGateway];
    const generated = await call(`${first.url}/key/generate`, "POST", { key_alias: "shared" });
    const value: string = generated.body.key;
    // The NOTIFY lands on the other replica within moments; until then it says 401.
    await eventually(async () => (await status(second, value)) === 200);

    await call(`${first.url}/key/block`, "POST", { key: value });
    await eventually(async () => (await status(second, value)) === 401);
    expect((await chatError(second.url, value)).error.code).toBe("key_blocked");

    await call(`${second.url}/key/unblock`, "POST", { key: value });
    await eventually(async () => (await status(first, value)) === 200);

    const regenerated = await call(`${second.url}/key/regenerate`, "POST", { key: value });
    const newValue: string = regenerated.body.key;
    await eventually(async () => (await status(first, value)) === 401);
    await eventually(async () => (await status(first, newValue)) === 200);

    await call(`${first.url}/key/delete`, "POST", { keys: [newValue] });
    await eventually(async () => (await status(second, newValue)) === 401);
  });
});
