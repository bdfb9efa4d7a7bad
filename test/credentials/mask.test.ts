import { describe, expect, it } from "vitest";
import { maskCredentialValues, maskSecret } from "../../src/credentials/mask.js";

describe("maskSecret", () => {
  it("shows two characters at each end around ****, as LiteLLM does", () => {
    expect(maskSecret("sk-proj-abcdefghijklmnop")).toBe("sk****op");
    expect(maskSecret("123456789012")).toBe("12****12");
  });

  it("masks values under 12 characters whole", () => {
    expect(maskSecret("")).toBe("*****");
    expect(maskSecret("abc")).toBe("*****");
    expect(maskSecret("12345678901")).toBe("*****");
  });

  it("never splits a character", () => {
    expect(maskSecret("\u{1f511}\u{1f511}key-0123456789\u{1f511}")).toBe("\u{1f511}\u{1f511}****9\u{1f511}");
  });
});

describe("maskCredentialValues", () => {
  it("masks the fields LiteLLM calls sensitive and shows the others", () => {
    expect(
      maskCredentialValues({
        api_key: "sk-live-0123456789abcdef",
        aws_secret_access_key: "wJalrXUtnFEMI/K7MDENG",
        vertex_credentials: { private_key: "-----BEGIN" },
        api_base: "https://upstream.example/v1",
        api_version: "2024-10-21",
        max_retries: 3,
      }),
    ).toEqual({
      api_key: "sk****ef",
      aws_secret_access_key: "wJ****NG",
      vertex_credentials: "*****",
      api_base: "https://upstream.example/v1",
      api_version: "2024-10-21",
      max_retries: "3",
    });
  });
});
