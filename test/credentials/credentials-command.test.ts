import { describe, expect, it } from "vitest";
import {
  parseRotateKeyArgs,
  runCredentialsCommand,
  runRotateKey,
} from "../../src/cli/credentials-command.js";
import { CliError } from "../../src/config/cli-args.js";
import { decryptValues, encryptValue } from "../../src/credentials/encryption/credential-cipher.js";
import { SaltKey } from "../../src/credentials/encryption/salt-key.js";
import { InMemoryCredentials } from "./in-memory-credentials.js";

const oldSecret = "sk-old-salt-cli";
const newSecret = "sk-new-salt-cli";

function repository() {
  return new InMemoryCredentials({
    "openai-prod": { api_key: encryptValue("sk-openai", new SaltKey(oldSecret, "old")) },
  });
}

async function run(argv: string[], store = repository(), env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCredentialsCommand(argv, {
    openRepository: async () => store,
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr, store };
}

describe("switchyard credentials rotate-key", () => {
  it("re-encrypts with --from/--to and closes the store", async () => {
    const { code, stdout, store } = await run(["rotate-key", "--from", oldSecret, "--to", newSecret]);
    expect(code).toBe(0);
    expect(stdout).toContain("re-encrypted 1 credential(s)");
    expect(
      decryptValues(store.rows.get("openai-prod")!, new SaltKey(newSecret, "new"), "openai-prod"),
    ).toEqual({
      api_key: "sk-openai",
    });
    expect(store.closed).toBe(true);
  });

  it("reads the keys from environment variables with --from-env/--to-env", async () => {
    const store = repository();
    const rewritten = await runRotateKey(["--from-env", "OLD_SALT", "--to-env", "NEW_SALT"], store, {
      OLD_SALT: oldSecret,
      NEW_SALT: newSecret,
    });
    expect(rewritten).toBe(1);
  });

  it("with the wrong --from, exits 1 naming the credential, changes nothing and shows no key", async () => {
    const store = repository();
    const before = new Map(store.rows);
    const { code, stderr, stdout } = await run(
      ["rotate-key", "--from=sk-not-it", `--to=${newSecret}`],
      store,
    );
    expect(code).toBe(1);
    expect(stderr).toContain('credential "openai-prod": cannot decrypt "api_key"');
    expect(stderr).toContain("nothing was changed");
    expect(stderr + stdout).not.toContain("sk-not-it");
    expect(stderr + stdout).not.toContain(newSecret);
    expect(store.rows).toEqual(before);
  });

  it("exits 2 with usage for a bad command line, before opening the store", async () => {
    const store = repository();
    store.closed = false;
    for (const argv of [
      ["rotate-key", "--to", newSecret],
      ["rotate-key", "--from", oldSecret, "--from-env", "X", "--to", newSecret],
      ["rotate-key", "--from", oldSecret, "--to", newSecret, "STRAY-KEY-4"],
      ["rotate-key", "--frm", "TYPO-KEY-9", "--to", newSecret],
      ["rotate-keys"],
    ]) {
      const { code, stderr } = await run(argv, store);
      expect(code).toBe(2);
      expect(stderr).toContain("Usage: switchyard credentials rotate-key");
      for (const key of [oldSecret, newSecret, "STRAY-KEY-4", "TYPO-KEY-9"])
        expect(stderr).not.toContain(key);
    }
    expect(store.closed).toBe(false);
  });

  it("parses both flag spellings", () => {
    expect(parseRotateKeyArgs(["--from", "a", "--to=b"])).toEqual({
      from: "a",
      to: "b",
      store: { dataDir: "./.switchyard" },
    });
    expect(
      parseRotateKeyArgs(["--from=a", "--to=b", "-c", "litellm.yaml", "--data-dir", "/var/lib/sy"]).store,
    ).toEqual({
      config: "litellm.yaml",
      dataDir: "/var/lib/sy",
    });
    expect(() => parseRotateKeyArgs(["--from", "a", "--to-env", "UNSET"], {})).toThrow(CliError);
  });
});
