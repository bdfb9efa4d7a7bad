import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptValues, encryptValue } from "../../src/credentials/encryption/credential-cipher.js";
import { SaltKey } from "../../src/credentials/encryption/salt-key.js";
import { rotateKey } from "../../src/credentials/rotate-key.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { createStore } from "../../src/store/create-store.js";
import { CredentialRepository } from "../../src/store/credential-repository.js";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";
import { legacyUrlsafeVector, v2Vector, vectorPlaintext, vectorSaltKey } from "./litellm-vectors.js";

// Rotation against the real store: the embedded Postgres and its one-transaction replaceAllValues.
let dataDir: string;
let store: Store;
let repository: CredentialRepository;
const oldKey = new SaltKey(vectorSaltKey, "old");

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "switchyard-rotate-"));
  store = createStore({ dataDir, logger: pino({ level: "silent" }) });
  await migrate(store);
  repository = new CredentialRepository(store);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("rotate-key on the store", () => {
  it("leaves every stored value as it was when one does not decrypt, then rotates them all", async () => {
    await repository.create({ name: "a-openai", values: { api_key: encryptValue("sk-openai", oldKey) } });
    await repository.create({
      name: "b-azure",
      values: { api_key: v2Vector, api_version: encryptValue("v", oldKey) },
    });
    await repository.create({ name: "c-legacy", values: { api_key: legacyUrlsafeVector } });
    await repository.create({
      name: "d-stale",
      values: { api_key: encryptValue("sk-stale", new SaltKey("sk-another-key", "x")) },
    });
    const before = await repository.list();

    const error = await rotateKey(repository, { from: vectorSaltKey, to: "sk-new-salt" }).catch(
      (reason) => reason,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain('credential "d-stale": cannot decrypt "api_key"');
    expect((await repository.list()).map((row) => row.values)).toEqual(before.map((row) => row.values));

    await repository.delete("d-stale");
    expect(await rotateKey(repository, { from: vectorSaltKey, to: "sk-new-salt" })).toBe(3);
    const newKey = new SaltKey("sk-new-salt", "new");
    const rotated = Object.fromEntries(
      (await repository.list()).map((row) => [row.name, decryptValues(row.values, newKey, row.name)]),
    );
    expect(rotated).toEqual({
      "a-openai": { api_key: "sk-openai" },
      "b-azure": { api_key: vectorPlaintext, api_version: "v" },
      "c-legacy": { api_key: vectorPlaintext },
    });
  });
});
