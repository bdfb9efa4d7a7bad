import { execFile } from "node:child_process";
import { access, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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
  /** Removes what prepare() made. */
  cleanUp(): Promise<void>;
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
  async cleanUp() {},
  async run(args, apiKey) {
    const { stdout } = await run(python, [resolve(root, "test/clients/python/check_client.py"), ...args], {
      timeout: 30_000,
      env: { ...process.env, PYTHONPATH: resolve(root, "clients/python"), SWITCHYARD_API_KEY: apiKey },
    });
    return JSON.parse(stdout);
  },
};

/**
 * Go modules cannot be downloaded here, so the program builds in GOPATH mode against
 * Debian's sources (golang-google-grpc-dev, golang-google-protobuf-dev) under
 * /usr/share/gocode, with clients/go linked in at its module path.
 */
const debianGoPath = process.env.SWITCHYARD_TEST_GOPATH ?? "/usr/share/gocode";
let goWorkspace: string | undefined;

const goClient: ClientLanguage = {
  name: "Go",
  unavailable: () =>
    missingUnless(
      Promise.all([
        run("go", ["version"], { timeout: 30_000 }),
        access(join(debianGoPath, "src/google.golang.org/grpc")),
        access(join(debianGoPath, "src/google.golang.org/protobuf")),
      ]),
      `no Go toolchain with gRPC sources in ${debianGoPath} (apt-get install golang-go golang-google-grpc-dev golang-google-protobuf-dev)`,
    ),
  async prepare() {
    goWorkspace = await mkdtemp(join(tmpdir(), "switchyard-go-client-"));
    await mkdir(join(goWorkspace, "src/switchyard/clients"), { recursive: true });
    await symlink(resolve(root, "clients/go"), join(goWorkspace, "src/switchyard/clients/go"));
    await run("go", ["build", "-o", join(goWorkspace, "check_client"), "."], {
      cwd: resolve(root, "test/clients/go"),
      timeout: 170_000,
      env: { ...process.env, GO111MODULE: "off", GOPATH: `${goWorkspace}:${debianGoPath}` },
    });
  },
  async run(args, apiKey) {
    if (!goWorkspace) throw new Error("prepare() builds the Go program first");
    const { stdout } = await run(join(goWorkspace, "check_client"), args, {
      timeout: 30_000,
      env: { ...process.env, SWITCHYARD_API_KEY: apiKey },
    });
    return JSON.parse(stdout);
  },
  async cleanUp() {
    if (goWorkspace) await rm(goWorkspace, { recursive: true, force: true });
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

/** The TypeScript client runs the same way, under tsx, so SWITCHYARD_API_KEY is read as a user's would be. */
const typescriptClient: ClientLanguage = {
  name: "TypeScript",
  unavailable: async () => undefined,
  async prepare() {},
  async cleanUp() {},
  async run(args, apiKey) {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", resolve(root, "test/clients/typescript/check-client.ts"), ...args],
      { timeout: 30_000, cwd: root, env: { ...process.env, SWITCHYARD_API_KEY: apiKey } },
    );
    return JSON.parse(stdout);
  },
};

export const clientLanguages: readonly ClientLanguage[] = [typescriptClient, pythonClient, goClient];
