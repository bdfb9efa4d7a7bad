import { inspect } from "node:util";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  createCredentialCipher,
  decryptValue,
  encryptValue,
  encryptValues,
} from "../../src/credentials/encryption/credential-cipher.js";
import { SaltKey } from "../../src/credentials/encryption/salt-key.js";
import { GatewayError } from "../../src/errors/gateway-error.js";

function thrown(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("salt key resolution", () => {
  it("uses LITELLM_SALT_KEY over the master key, without a warning", () => {
    const warnings: string[] = [];
    const cipher = createCredentialCipher({
      env: { LITELLM_SALT_KEY: "sk-salt" },
      masterKey: "sk-master",
      warn: (message) => warnings.push(message),
    });
    const stored = cipher.encryptValue("sk-upstream");
    expect(decryptValue(stored, new SaltKey("sk-salt", "salt"), { credentialName: "c", field: "f" })).toBe(
      "sk-upstream",
    );
    expect(warnings).toEqual([]);
  });

  it("falls back to the master key, warning once however many values it handles", () => {
    const warnings: string[] = [];
    const cipher = createCredentialCipher({
      env: {},
      masterKey: "sk-master-fallback",
      warn: (message) => warnings.push(message),
    });
    const stored = cipher.encryptValues({ api_key: "sk-one", api_base: "https://example.test", retries: 3 });
    expect(cipher.decryptValues(stored, "openai-prod")).toEqual({
      api_key: "sk-one",
      api_base: "https://example.test",
      retries: 3,
    });
    expect(cipher.decryptValue(cipher.encryptValue("sk-two"), { credentialName: "c", field: "f" })).toBe(
      "sk-two",
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("LITELLM_SALT_KEY is not set");
    expect(warnings[0]).not.toContain("sk-master-fallback");
    // What LiteLLM wrote under the same master key reads here.
    expect(
      decryptValue(stored.api_key as string, new SaltKey("sk-master-fallback", "m"), {
        credentialName: "c",
        field: "f",
      }),
    ).toBe("sk-one");
  });

  it("with neither key set, fails the credential it cannot read, naming it, not the gateway", () => {
    const cipher = createCredentialCipher({ env: { LITELLM_SALT_KEY: "" } });
    const stored = encryptValue("sk-x", new SaltKey("sk-elsewhere", "elsewhere"));
    const error = thrown(() => cipher.decryptValues({ api_key: stored }, "anthropic-main"));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toBe(
      'credential "anthropic-main": cannot decrypt — neither LITELLM_SALT_KEY nor a master key is set',
    );
    expect(thrown(() => cipher.encryptValue("sk-x")).code).toBe(Code.FailedPrecondition);
  });

  it("names the master key when it is the key that does not match", () => {
    const cipher = createCredentialCipher({ env: {}, masterKey: "sk-new-master" });
    const stored = encryptValue("sk-x", new SaltKey("sk-old-master", "m"));
    const error = thrown(() => cipher.decryptValue(stored, { credentialName: "azure-eu", field: "api_key" }));
    expect(error.rawMessage).toBe(
      'credential "azure-eu": cannot decrypt "api_key" — the master key (LITELLM_SALT_KEY is not set) does not ' +
        "match the key it was stored with (or the stored value was altered)",
    );
  });

  it("refuses an empty key", () => {
    expect(thrown(() => new SaltKey("", "the new key (--to)")).rawMessage).toBe(
      "the new key (--to) is empty",
    );
  });
});

describe("non-string values", () => {
  it("are stored as they are, as LiteLLM stores them", () => {
    const key = new SaltKey("sk-salt", "LITELLM_SALT_KEY");
    const stored = encryptValues({ api_key: "sk-a", timeout: 30, stream: true, extra: null }, key);
    expect(stored).toMatchObject({ timeout: 30, stream: true, extra: null });
    expect(stored.api_key).toMatch(/^v3:gcm:/);
  });
});

describe("secrets stay out of errors and warnings", () => {
  it("never shows the value, the salt key or the master key", () => {
    const marker = "MARKER-7f3a9c-secret";
    const saltMarker = "SALT-MARKER-e41b";
    const masterMarker = "MASTER-MARKER-0c5d";
    const shown: string[] = [];
    const record = (error: unknown) => {
      shown.push(String(error), inspect(error, { depth: 5 }), JSON.stringify(error) ?? "");
      if (error instanceof GatewayError)
        shown.push(error.message, error.rawMessage, String(error.cause ?? ""));
    };

    const warnings: string[] = [];
    const fallback = createCredentialCipher({
      env: {},
      masterKey: masterMarker,
      warn: (m) => warnings.push(m),
    });
    const stored = fallback.encryptValue(marker);
    shown.push(...warnings);

    const right = new SaltKey(saltMarker, "LITELLM_SALT_KEY");
    shown.push(inspect(right), JSON.stringify({ key: right }));
    const storedUnderSalt = encryptValue(marker, right);
    const wrong = createCredentialCipher({ env: { LITELLM_SALT_KEY: `${saltMarker}-wrong` } });
    for (const attempt of [
      () => wrong.decryptValue(storedUnderSalt, { credentialName: "c", field: "api_key" }),
      () => wrong.decryptValue(stored, { credentialName: "c", field: "api_key" }),
      () => wrong.decryptValues({ api_key: storedUnderSalt }, "c"),
      () =>
        wrong.decryptValue(`${storedUnderSalt.slice(0, -4)}AAA=`, { credentialName: "c", field: "api_key" }),
      () => wrong.decryptValue(marker, { credentialName: "c", field: "api_key" }),
      () => wrong.decryptValue(`v9:gcm:${marker}`, { credentialName: "c", field: "api_key" }),
    ]) {
      try {
        attempt();
        throw new Error("decryption should have failed");
      } catch (error) {
        record(error);
      }
    }

    expect(shown.length).toBeGreaterThan(10);
    for (const text of shown) {
      expect(text).not.toContain(marker);
      expect(text).not.toContain(saltMarker);
      expect(text).not.toContain(masterMarker);
    }
  });
});
