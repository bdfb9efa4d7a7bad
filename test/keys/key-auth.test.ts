import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tokenIdOf } from "../../src/keys/virtual-key.js";
import { KeyRepository } from "../../src/store/key-repository.js";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  chatError,
  chatWith,
  type KeyGateway,
  keysYaml,
  pgliteBackend,
  startKeyGateway,
  UPSTREAM_KEY,
} from "./key-gateway.js";

const HOUR_MS = 3_600_000;

describe("authenticating virtual keys", { timeout: 60_000 }, () => {
  const backend = pgliteBackend();
  let upstream: FakeOpenAI;
  let store: Store;
  const running: KeyGateway[] = [];

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
    await backend.setUp();
    store = backend.open();
    await migrate(store);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((gateway) => gateway.close()));
  });
  afterAll(async () => {
    await store?.close();
    await upstream?.close();
    await backend.tearDown();
  });

  async function start(...args: Parameters<typeof startKeyGateway>): Promise<KeyGateway> {
    const gateway = await startKeyGateway(...args);
    running.push(gateway);
    return gateway;
  }

  /** A key written straight to the table, as another replica or an older gateway would have. */
  async function storedKey(
    value: string,
    settings: { blocked?: boolean; metadata?: Record<string, unknown> },
  ) {
    await new KeyRepository(store).create({
      tokenId: tokenIdOf(value),
      keyName: `sk-...${value.slice(-4)}`,
      models: [],
      metadata: settings.metadata ?? {},
      blocked: settings.blocked ?? false,
    });
  }

  it("refuses a key once its expiry passes, with 401 saying it expired; a new duration revives it", async () => {
    let now = Date.now();
    const { url } = await start(keysYaml(upstream), { store, now: () => now });
    const generated = await call(`${url}/key/generate`, "POST", { duration: "1h" });
    const value: string = generated.body.key;
    expect(Date.parse(generated.body.expires)).toBe(now + HOUR_MS);
    expect(await chatWith(url, value)).toBe("echo: hi");

    now += HOUR_MS;
    const refusal = await chatError(url, value);
    expect(refusal).toMatchObject({ status: 401, error: { code: "key_expired" } });
    expect(refusal.error.message).toContain("Expired Key");
    expect(refusal.error.message).not.toContain(value);

    await call(`${url}/key/update`, "POST", { key: value, duration: "2h" });
    expect(await chatWith(url, value)).toBe("echo: hi");
    now += 3 * HOUR_MS;
    expect(await chatError(url, value)).toMatchObject({ status: 401 });
    await call(`${url}/key/update`, "POST", { key: value, duration: "-1" });
    expect(await chatWith(url, value)).toBe("echo: hi");
  });

  it("without a master key stays open, yet still attributes known keys: blocked ones are refused", async () => {
    await storedKey("sk-open-gateway-blocked-1", { blocked: true });
    await storedKey("sk-open-gateway-plain-01", {});
    await storedKey("sk-open-gateway-admin-01", { metadata: { role: "proxy_admin" } });
    const { url, gateway } = await start(keysYaml(upstream, null), { store });

    expect(await chatWith(url, "sk-anything-goes")).toBe("echo: hi");
    expect(await chatWith(url, "sk-open-gateway-plain-01")).toBe("echo: hi");
    expect(await chatError(url, "sk-open-gateway-blocked-1")).toMatchObject({
      status: 401,
      error: { code: "key_blocked" },
    });
    expect(gateway.keys.get(tokenIdOf("sk-open-gateway-plain-01"))).toBeDefined();

    // Nobody anonymous administers an open gateway; an admin key still may.
    const anonymous = await call(`${url}/key/generate`, "POST", {}, null);
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.error.message).toContain("Set a master key");
    expect((await call(`${url}/key/generate`, "POST", {}, "sk-open-gateway-plain-01")).status).toBe(403);
    expect((await call(`${url}/key/generate`, "POST", {}, "sk-open-gateway-admin-01")).status).toBe(200);
  });

  it("answers 503 to virtual keys until the stored keys are loaded, while the master key works", async () => {
    await storedKey("sk-loaded-later-0000001", {});
    let markReady: (ready: boolean) => void = () => {};
    const storeReady = new Promise<boolean>((resolve) => {
      markReady = resolve;
    });
    const { url, gateway } = await start(keysYaml(upstream), { store, storeReady });

    expect(await chatWith(url, MASTER_KEY)).toBe("echo: hi");
    const early = await chatError(url, "sk-loaded-later-0000001");
    expect(early).toMatchObject({ status: 503, error: { code: "keys_loading" } });

    markReady(true);
    await gateway.keysReady;
    expect(await chatWith(url, "sk-loaded-later-0000001")).toBe("echo: hi");
    expect(await chatError(url, "sk-never-stored-000001")).toMatchObject({ status: 401 });
  });

  it("answers 503 to key management when the gateway runs without a database", async () => {
    const { url } = await start(keysYaml(upstream));
    const refused = await call(`${url}/key/generate`, "POST", {});
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toContain("needs a database");
    expect(await chatError(url, "sk-no-database-key-001")).toMatchObject({ status: 401 });
  });
});
