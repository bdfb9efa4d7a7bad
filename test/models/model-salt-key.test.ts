import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCredentialStore } from "../../src/cli/open-credential-store.js";
import { decryptValues } from "../../src/credentials/encryption/credential-cipher.js";
import { SaltKey } from "../../src/credentials/encryption/salt-key.js";
import { rotateKey } from "../../src/credentials/rotate-key.js";
import { createLogger } from "../../src/observability/logger.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  chatText,
  modelReloaded,
  pgliteBackend,
  type StoreGateway,
  startModelGateway,
} from "./model-gateway.js";

const OLD_SALT_KEY = "models-salt-key-before-rotation";
const NEW_SALT_KEY = "models-salt-key-after-rotation";
const SECRET = "sk-stored-model-secret-rotated-01";

function opensWith(secrets: Record<string, string>, saltKey: string): boolean {
  try {
    return decryptValues(secrets, new SaltKey(saltKey, "test key"), "model").api_key === SECRET;
  } catch {
    return false;
  }
}

describe("a salt-key rotation rewrites stored models' secrets with the credentials'", {
  timeout: 60_000,
}, () => {
  const backend = pgliteBackend();
  let upstream: FakeOpenAI;
  let store: Store;
  let gateway: StoreGateway;
  const yaml = `
model_list: []
general_settings: { master_key: ${MASTER_KEY} }
`;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    await backend.setUp();
    store = backend.open();
    gateway = await startModelGateway(yaml, { store, env: { LITELLM_SALT_KEY: OLD_SALT_KEY } });
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await store?.close();
    await upstream?.close();
    await backend.tearDown();
  });

  async function storedSecrets(): Promise<Record<string, string>> {
    const [row] = await store.query<{ secret_params: Record<string, string> }>(
      "select secret_params from models where model_id = 'rotated-one'",
    );
    return row?.secret_params ?? {};
  }

  it("keeps serving the model through the rotation and after a restart with the new key", async () => {
    await call(`${gateway.url}/model/new`, "POST", {
      model_name: "rotated-model",
      litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: SECRET },
      model_info: { id: "rotated-one" },
    });
    expect(opensWith(await storedSecrets(), OLD_SALT_KEY)).toBe(true);

    const heard = modelReloaded(gateway);
    const rotated = await call(`${gateway.url}/credentials/rotate-salt-key`, "POST", {
      old_salt_key: OLD_SALT_KEY,
      new_salt_key: NEW_SALT_KEY,
    });
    expect(rotated.status).toBe(200);
    await heard;
    const secrets = await storedSecrets();
    expect(opensWith(secrets, NEW_SALT_KEY)).toBe(true);
    expect(opensWith(secrets, OLD_SALT_KEY)).toBe(false);
    expect(await chatText(gateway.url, MASTER_KEY, "rotated-model")).toBe("echo: hi");
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect((await call(`${gateway.url}/credentials/rotate-salt-key/finish`, "POST")).status).toBe(200);

    await gateway.close();
    gateway = await startModelGateway(yaml, { store, env: { LITELLM_SALT_KEY: NEW_SALT_KEY } });
    expect(await chatText(gateway.url, MASTER_KEY, "rotated-model")).toBe("echo: hi");
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });
});

describe("the offline rotation (switchyard credentials rotate-key) rewrites stored models too", {
  timeout: 60_000,
}, () => {
  let dataDir = "";
  let upstream: FakeOpenAI;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    dataDir = await mkdtemp(join(tmpdir(), "switchyard-models-rotate-"));
  });
  afterAll(async () => {
    await upstream?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("serves the model after a restart on the new key", async () => {
    const yaml = `
model_list: []
general_settings: { master_key: ${MASTER_KEY} }
`;
    const open = () => createStore({ dataDir, logger: createLogger("silent") });
    let store = open();
    let gateway = await startModelGateway(yaml, { store, env: { LITELLM_SALT_KEY: OLD_SALT_KEY } });
    await call(`${gateway.url}/model/new`, "POST", {
      model_name: "offline-model",
      litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: SECRET },
    });
    await gateway.close();
    await store.close();

    const repository = await openCredentialStore({ dataDir }, createLogger("silent"));
    try {
      await rotateKey(repository, { from: OLD_SALT_KEY, to: NEW_SALT_KEY });
    } finally {
      await repository.close();
    }

    store = open();
    gateway = await startModelGateway(yaml, { store, env: { LITELLM_SALT_KEY: NEW_SALT_KEY } });
    try {
      expect(await chatText(gateway.url, MASTER_KEY, "offline-model")).toBe("echo: hi");
      expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
    } finally {
      await gateway.close();
      await store.close();
    }
  });
});
