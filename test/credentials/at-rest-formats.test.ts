import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { Code } from "@connectrpc/connect";
import nacl from "tweetnacl";
import { describe, expect, it } from "vitest";
import { decryptValue, encryptValue } from "../../src/credentials/encryption/credential-cipher.js";
import { SaltKey } from "../../src/credentials/encryption/salt-key.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import {
  legacyStandardVector,
  legacyUrlsafeVector,
  v2Vector,
  v3Vector,
  vectorPlaintext,
  vectorSaltKey,
} from "./litellm-vectors.js";

const key = new SaltKey(vectorSaltKey, "LITELLM_SALT_KEY");
const context = { credentialName: "openai-prod", field: "api_key" };

// LiteLLM's derivations, written out here from its source, independently of src/.
const sha256Key = createHash("sha256").update(vectorSaltKey).digest();
const hkdfKey = Buffer.from(
  hkdfSync("sha256", Buffer.from(vectorSaltKey), Buffer.alloc(0), "litellm-at-rest-v3", 32),
);
const pythonUrlsafeB64 = (bytes: Uint8Array) =>
  Buffer.from(bytes).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");

function aesGcmValue(prefix: string, aesKey: Buffer, plain: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", aesKey, nonce);
  const body = Buffer.concat([nonce, cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return prefix + pythonUrlsafeB64(body);
}

function decryptionError(stored: string, withKey = key): GatewayError {
  try {
    decryptValue(stored, withKey, context);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("decryption succeeded");
}

function flipLastByte(stored: string, prefix: string): string {
  const bytes = Buffer.from(stored.slice(prefix.length), "base64");
  bytes[bytes.length - 1]! ^= 1;
  return prefix + pythonUrlsafeB64(bytes);
}

describe("known-answer vectors from LiteLLM's construction", () => {
  it("decrypts a v3:gcm: value", () => {
    expect(decryptValue(v3Vector, key, context)).toBe(vectorPlaintext);
  });

  it("decrypts a v2:gcm: value", () => {
    expect(decryptValue(v2Vector, key, context)).toBe(vectorPlaintext);
  });

  it("decrypts a legacy secretbox value in urlsafe and in standard base64", () => {
    expect(decryptValue(legacyUrlsafeVector, key, context)).toBe(vectorPlaintext);
    expect(decryptValue(legacyStandardVector, key, context)).toBe(vectorPlaintext);
  });

  it("decrypts values built here with Node's AES-GCM and tweetnacl the way LiteLLM builds them", () => {
    expect(decryptValue(aesGcmValue("v3:gcm:", hkdfKey, "sk-node-v3"), key, context)).toBe("sk-node-v3");
    expect(decryptValue(aesGcmValue("v2:gcm:", sha256Key, "sk-node-v2"), key, context)).toBe("sk-node-v2");
    const nonce = nacl.randomBytes(24);
    const box = nacl.secretbox(Buffer.from("sk-node-legacy"), nonce, sha256Key);
    const legacy = pythonUrlsafeB64(Buffer.concat([nonce, box]));
    expect(decryptValue(legacy, key, context)).toBe("sk-node-legacy");
  });

  it("reads the prefix, not the caller, to pick the key derivation", () => {
    const relabelled = "v3:gcm:" + v2Vector.slice("v2:gcm:".length);
    expect(decryptionError(relabelled).code).toBe(Code.FailedPrecondition);
  });
});

describe("v3 writing", () => {
  it("writes v3:gcm: with padded base64url that LiteLLM's reader opens", () => {
    const stored = encryptValue("sk-live-\u00e9t\u00e9", key);
    expect(stored.startsWith("v3:gcm:")).toBe(true);
    const body = stored.slice("v3:gcm:".length);
    // Python's urlsafe_b64decode rejects unpadded input and has no + or /.
    expect(body).toMatch(/^[A-Za-z0-9_-]*={0,2}$/);
    expect(body.length % 4).toBe(0);
    const bytes = Buffer.from(body, "base64");
    const decipher = createDecipheriv("aes-256-gcm", hkdfKey, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    expect(plain.toString("utf8")).toBe("sk-live-\u00e9t\u00e9");
  });

  it("round-trips, with a fresh nonce each time", () => {
    const first = encryptValue("same secret", key);
    const second = encryptValue("same secret", key);
    expect(first).not.toBe(second);
    expect(decryptValue(first, key, context)).toBe("same secret");
    expect(decryptValue(second, key, context)).toBe("same secret");
  });

  it("round-trips the empty string as a real ciphertext", () => {
    const stored = encryptValue("", key);
    expect(stored).not.toBe("v3:gcm:");
    expect(decryptValue(stored, key, context)).toBe("");
  });

  it("reads an empty stored string as empty, as LiteLLM does", () => {
    expect(decryptValue("", key, context)).toBe("");
  });
});

describe("values that do not decrypt", () => {
  const wrongKey = new SaltKey("sk-some-other-salt", "LITELLM_SALT_KEY");

  it.each([
    ["v3", v3Vector],
    ["v2", v2Vector],
    ["legacy", legacyUrlsafeVector],
  ])("a wrong key on a %s value names the credential and field, and not the value", (_format, stored) => {
    const error = decryptionError(stored, wrongKey);
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toBe(
      'credential "openai-prod": cannot decrypt "api_key" — LITELLM_SALT_KEY does not match the key it was ' +
        "stored with (or the stored value was altered)",
    );
    expect(error.message).not.toContain(stored.slice(10, 30));
    expect(error.message).not.toContain(vectorPlaintext);
  });

  it.each([
    ["v3", flipLastByte(v3Vector, "v3:gcm:")],
    ["v2", flipLastByte(v2Vector, "v2:gcm:")],
    ["legacy", flipLastByte(legacyUrlsafeVector, "")],
  ])("a tampered %s value is refused", (_format, stored) => {
    expect(decryptionError(stored).code).toBe(Code.FailedPrecondition);
  });

  it("a value that is not a ciphertext is an internal error, not an empty value", () => {
    for (const stored of ["v3:gcm:", "v3:gcm:AAAA", "v2:gcm:not base64!", "plain-text-api-key", "c2hvcnQ="]) {
      const error = decryptionError(stored);
      expect(error.code).toBe(Code.Internal);
      expect(error.rawMessage).toMatch(
        /^credential "openai-prod": cannot decrypt "api_key" — the stored value is not/,
      );
    }
  });

  it("a value in a format newer than ours says so", () => {
    const error = decryptionError("v4:gcm:AAECAwQFBgcICQoL");
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain('"v4:gcm:", which this version of Switchyard cannot read');
  });
});
