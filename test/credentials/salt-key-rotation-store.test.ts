import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCredentialCipher, decryptValues } from "../../src/credentials/encryption/credential-cipher.js";
import { SaltKey } from "../../src/credentials/encryption/salt-key.js";
import { adoptStoreSaltKey, rotateSaltKey } from "../../src/credentials/salt-key-rotation.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { createStore } from "../../src/store/create-store.js";
import { CredentialRepository } from "../../src/store/credential-repository.js";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";
import { capturingLogger } from "../credentials-e2e/store-gateway.js";

// Two ciphers on one store stand for two replicas: one rotates, the other writes with the key it had.
const OLD = "old-salt-key-for-store-test";
const NEW = "new-salt-key-for-store-test";
let dataDir: string;
let store: Store;
let repository: CredentialRepository;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "switchyard-salt-rotation-"));
  store = createStore({ dataDir, logger: pino({ level: "silent" }) });
  await migrate(store);
  repository = new CredentialRepository(store);
}, 60_000);
afterAll(async () => {
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("salt-key rotation on the store", () => {
  it("refuses a write made with the replaced key, and the writer learns the new key from the store", async () => {
    const rotating = createCredentialCipher(new SaltKey(OLD, "LITELLM_SALT_KEY"));
    const lagging = createCredentialCipher(new SaltKey(OLD, "LITELLM_SALT_KEY"));
    await repository.create({
      name: "before",
      values: rotating.encryptValues({ api_key: "sk-before-rotation" }),
      keyId: rotating.currentKeyId(),
    });
    const oldKeyValues = lagging.encryptValues({ api_key: "sk-written-with-old" });

    expect(await rotateSaltKey(repository, rotating, { oldSaltKey: OLD, newSaltKey: NEW })).toBe(1);
    expect(rotating.currentKeyId()).toBe(new SaltKey(NEW, "new").id);

    const refused = await repository
      .create({ name: "late", values: oldKeyValues, keyId: lagging.currentKeyId() })
      .catch((error: unknown) => GatewayError.from(error));
    expect(refused).toMatchObject({ errorCode: "salt_key_changed" });
    expect(await repository.get("late")).toBeUndefined();

    const lines: string[] = [];
    adoptStoreSaltKey(lagging, await repository.keyState(), capturingLogger(lines));
    expect(lagging.currentKeyId()).toBe(rotating.currentKeyId());
    // The old key is still held: what was read or written with it before still opens.
    expect(lagging.decryptValues(oldKeyValues, "late")).toEqual({ api_key: "sk-written-with-old" });
    await repository.create({
      name: "late",
      values: lagging.encryptValues({ api_key: "sk-written-with-old" }),
      keyId: lagging.currentKeyId(),
    });
    const late = await repository.get("late");
    expect(decryptValues(late!.values, new SaltKey(NEW, "new"), "late")).toEqual({
      api_key: "sk-written-with-old",
    });
    expect(lines.join("")).not.toContain(NEW);
  });

  it("after the rotation is finished, a gateway holding only the old key cannot learn the new one", async () => {
    expect(await repository.finishRotation()).toBe(true);
    expect(await repository.finishRotation()).toBe(false);
    const stale = createCredentialCipher(new SaltKey(OLD, "LITELLM_SALT_KEY"));
    const lines: string[] = [];
    adoptStoreSaltKey(stale, await repository.keyState(), capturingLogger(lines));
    expect(stale.currentKeyId()).toBe(new SaltKey(OLD, "old").id);
    expect(lines.join("")).toContain("does not hold");
    const [before] = await repository.list();
    expect(() => stale.decryptValues(before!.values, before!.name)).toThrow(/does not match/);
  });
});
