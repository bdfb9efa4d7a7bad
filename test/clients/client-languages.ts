import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const inCI = process.env.CI === "true" || process.env.CI === "1";

/** A language whose generated client test/clients drives through a small program. */
export interface ClientLanguage {
  readonly name: string;
  /**
   * Why the toolchain is missing, or undefined when it is there. Under CI a missing
   * toolchain throws instead: CI installs it, so its absence is a failure, not a skip.
   */
  unavailable(): Promise<string | undefined>;
  /** Builds the program, where the language needs that. */
  prepare(): Promise<void>;
  /** Runs the program with `args`, the key in SWITCHYARD_API_KEY; its printed JSON. */
  run(args: string[], apiKey: string): Promise<unknown>;
}

/**
 * Debian's python3-grpcio and python3-protobuf install for the system interpreter, not
 * for whatever python3 comes first on PATH (a pyenv one, say).
 */
const python = process.env.SWITCHYARD_TEST_PYTHON ?? "/usr/bin/python3";

const pythonClient: ClientLanguage = {
  name: "Python",
  unavailable: () =>
    missingUnless(
      run(python, ["-c", "import grpc, google.protobuf"], { timeout: 30_000 }),
      `${python} cannot import grpc and google.protobuf (apt-get install python3-grpcio python3-protobuf)`,
    ),
  async prepare() {},
  async run(args, apiKey) {
    const { stdout } = await run(python, [resolve(root, "test/clients/python/check_client.py"), ...args], {
      timeout: 30_000,
      env: { ...process.env, PYTHONPATH: resolve(root, "clients/python"), SWITCHYARD_API_KEY: apiKey },
    });
    return JSON.parse(stdout);
  },
};

async function missingUnless(check: Promise<unknown>, reason: string): Promise<string | undefined> {
  try {
    await check;
    return undefined;
  } catch (error) {
    const message = `${reason}: ${error instanceof Error ? error.message : String(error)}`;
    if (inCI) throw new Error(`${message}; CI needs it`);
    return message;
  }
}

export const clientLanguages: readonly ClientLanguage[] = [pythonClient];
