import { toJsonString } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CredentialService,
  GetCredentialResponseSchema,
  ListCredentialsResponseSchema,
} from "../../gen/switchyard/v1/credential_pb.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  capturingLogger,
  chat,
  pgliteBackend,
  type StoreGateway,
  startStoreGateway,
} from "./store-gateway.js";

/** The secret this scenario handles everywhere; it must never come back out of the gateway. */
const MARKER = "sk-MARKER-b7f3c9e1d2a4-never-leak";
const SECOND_MARKER = "sk-MARKER-second-9a8b7c6d5e4f";

describe("a secret handled from creation to deletion", { timeout: 60_000 }, () => {
  const backend = pgliteBackend();
  const logLines: string[] = [];
  const seen: string[] = [];
  let store: Store;
  let upstream: FakeOpenAI;
  let running: StoreGateway;

  /** Records every response's status line, headers and body text. */
  async function record(answer: Promise<{ status: number; text: string; headers: Headers }>) {
    const result = await answer;
    seen.push(String(result.status), JSON.stringify([...result.headers.entries()]), result.text);
    return result;
  }

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ apiKey: MARKER });
    await backend.setUp();
    const logger = capturingLogger(logLines);
    store = backend.open(logger);
    running = await startStoreGateway(
      `
model_list:
  - model_name: marked
    litellm_params: { model: openai/gpt-4o, litellm_credential_name: marked }
  - model_name: missing
    litellm_params: { model: openai/gpt-4o, litellm_credential_name: does-not-exist }
general_settings: { master_key: ${MASTER_KEY} }
`,
      { store, env: {}, logger },
    );
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await store?.close();
    await upstream?.close();
    await backend.tearDown();
  });

  it("never shows it in a log line, a response body or a response header", async () => {
    const url = running.url;
    const values = { api_key: MARKER, api_base: upstream.url };
    expect(
      (
        await record(
          call(`${url}/credentials`, "POST", { credential_name: "marked", credential_values: values }),
        )
      ).status,
    ).toBe(200);
    // Taken name, bad bodies: error messages must not echo the values.
    expect(
      (
        await record(
          call(`${url}/credentials`, "POST", { credential_name: "marked", credential_values: values }),
        )
      ).status,
    ).toBe(409);
    await record(
      call(`${url}/credentials`, "POST", {
        credential_name: "bad",
        credential_values: { api_key: [MARKER] },
      }),
    );
    await record(
      call(
        `${url}/credentials`,
        "POST",
        { credential_name: "marked", credential_values: values },
        "sk-wrong",
      ),
    );
    await record(call(`${url}/credentials/by_name/marked`, "GET"));
    await record(call(`${url}/credentials`, "GET"));
    expect((await record(chat(url, "marked"))).status).toBe(200);
    await record(chat(url, "missing"));

    const client = createClient(CredentialService, createGrpcTransport({ baseUrl: url }));
    const headers = { authorization: `Bearer ${MASTER_KEY}` };
    seen.push(
      toJsonString(
        GetCredentialResponseSchema,
        await client.getCredential({ credentialName: "marked" }, { headers }),
      ),
    );
    seen.push(toJsonString(ListCredentialsResponseSchema, await client.listCredentials({}, { headers })));

    // A key the upstream refuses: its 401 must not carry the key back either.
    await record(
      call(`${url}/credentials/marked`, "PATCH", { credential_values: { api_key: SECOND_MARKER } }),
    );
    expect((await record(chat(url, "marked"))).status).toBe(401);
    // Salt keys given to a rotation, refused or not, are secrets too.
    const newSaltKey = "salt-MARKER-rotation-new-key";
    await record(
      call(`${url}/credentials/rotate-salt-key`, "POST", {
        old_salt_key: "salt-MARKER-wrong-old-key",
        new_salt_key: newSaltKey,
      }),
    );
    expect(
      (
        await record(
          call(`${url}/credentials/rotate-salt-key`, "POST", {
            old_salt_key: MASTER_KEY,
            new_salt_key: newSaltKey,
          }),
        )
      ).status,
    ).toBe(200);
    await record(call(`${url}/credentials/by_name/marked`, "GET"));
    await record(call(`${url}/credentials/marked`, "DELETE"));
    await record(chat(url, "marked"));

    const raw = await store.query("select credential_values from credentials");
    seen.push(JSON.stringify(raw));

    expect(logLines.length).toBeGreaterThan(0);
    for (const text of [...logLines, ...seen]) {
      expect(text).not.toContain(MARKER);
      expect(text).not.toContain(SECOND_MARKER);
      expect(text).not.toContain("MARKER-");
    }
  });
});
