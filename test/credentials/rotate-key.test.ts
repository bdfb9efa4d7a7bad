import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { decryptValues, encryptValue } from "../../src/credentials/encryption/credential-cipher.js";
import { SaltKey } from "../../src/credentials/encryption/salt-key.js";
import { rotateCredentials, rotateKey } from "../../src/credentials/rotate-key.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { InMemoryCredentials } from "./in-memory-credentials.js";
import { legacyUrlsafeVector, v2Vector, vectorPlaintext, vectorSaltKey } from "./litellm-vectors.js";

const oldKey = new SaltKey(vectorSaltKey, "old");
const newSecret = "sk-new-salt-after-rotation";
const newKey = new SaltKey(newSecret, "new");

function storedCredentials() {
  return {
    "openai-prod": {
      api_key: encryptValue("sk-openai", oldKey),
      api_base: encryptValue("https://api.openai.test/v1", oldKey),
    },
    "azure-eu": { api_key: v2Vector, api_version: encryptValue("2024-10-21", oldKey) },
    "legacy-team": { api_key: legacyUrlsafeVector },
  };
}

describe("rotateKey", () => {
  it("re-encrypts every value, from any format, as v3 readable with the new key only", async () => {
    const repository = new InMemoryCredentials(storedCredentials());
    expect(await rotateKey(repository, { from: vectorSaltKey, to: newSecret })).toBe(3);

    const read = (name: string, key: SaltKey) => decryptValues(repository.rows.get(name)!, key, name);
    expect(read("openai-prod", newKey)).toEqual({
      api_key: "sk-openai",
      api_base: "https://api.openai.test/v1",
    });
    expect(read("azure-eu", newKey)).toEqual({
      api_key: vectorPlaintext,
      api_version: "2024-10-21",
    });
    expect(read("legacy-team", newKey)).toEqual({ api_key: vectorPlaintext });
    for (const values of repository.rows.values()) {
      for (const value of Object.values(values))
        if (typeof value === "string") expect(value).toMatch(/^v3:gcm:/);
    }
    expect(() => read("openai-prod", oldKey)).toThrow(GatewayError);
    expect(() => read("legacy-team", oldKey)).toThrow(GatewayError);
  });

  it("writes nothing when a value fails to decrypt with the old key, naming it", async () => {
    const rows = {
      ...storedCredentials(),
      "stale-team": { api_key: encryptValue("sk-stale", new SaltKey("sk-a-third-key", "x")) },
      "zz-after": { api_key: encryptValue("sk-after", oldKey) },
    };
    const repository = new InMemoryCredentials(rows);
    const error = await rotateKey(repository, { from: vectorSaltKey, to: newSecret }).catch(
      (reason) => reason,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain(
      'credential "stale-team": cannot decrypt "api_key" — the old key (--from)',
    );
    expect(error.rawMessage).not.toContain(vectorSaltKey);
    expect(Object.fromEntries(repository.rows)).toEqual(rows);
  });

  it("refuses an empty new key before touching the store", async () => {
    const repository = new InMemoryCredentials(storedCredentials());
    await expect(rotateKey(repository, { from: vectorSaltKey, to: "" })).rejects.toThrow(
      "the new key (--to) is empty",
    );
  });
});

describe("rotateCredentials", () => {
  it("returns every credential re-encrypted, or nothing", () => {
    const credentials = Object.entries(storedCredentials()).map(([name, values]) => ({ name, values }));
    const rotated = rotateCredentials(credentials, { from: vectorSaltKey, to: newSecret });
    expect(rotated.map((credential) => credential.name)).toEqual(["openai-prod", "azure-eu", "legacy-team"]);
    expect(decryptValues(rotated[2]!.values, newKey, "legacy-team")).toEqual({ api_key: vectorPlaintext });

    expect(() => rotateCredentials(credentials, { from: "sk-wrong", to: newSecret })).toThrow(
      /credential "openai-prod": cannot decrypt "api_key"/,
    );
  });
});
