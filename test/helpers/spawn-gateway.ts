import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Every stdout log line so far, parsed. */
  readonly logs: Record<string, unknown>[];
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawned gateways use the machine's Postgres rather than opening an
 * embedded one in ./.switchyard: that takes seconds of CPU per start, and two
 * processes cannot share its directory. Completions never wait on the store,
 * so a missing Postgres only shows as warnings in these tests.
 */
const testDatabaseUrl = process.env.SWITCHYARD_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Children still running. A test that times out while one starts never gets
 * its handle to stop it; they are killed when the test worker exits, so no
 * gateway outlives its test run.
 */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Runs `switchyard` (src/main.ts through tsx) as users do, on a free port. */
export async function spawnGateway(args: string[], env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/main.ts", "--port", "0", "--host", "127.0.0.1", ...args],
    {
      env: { ...process.env, LOG_LEVEL: "info", DATABASE_URL: testDatabaseUrl, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  child.once("exit", () => running.delete(child));
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const logs: Record<string, unknown>[] = [];
  const exited = once(child, "exit");
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (typeof entry.url === "string") resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    exited.then(() => reject(new Error(`gateway exited before listening: ${stderr}`)));
  });
  return {
    child,
    url,
    logs,
    stderr: () => stderr,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** Runs the CLI to completion (for start-up failures) and returns its exit code and output. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}
