import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * The benchmark's server children: spawned pinned to one CPU (through
 * taskset, which execs, so the child's pid is the server's own and its
 * /proc stat is the server's CPU time), output to a log file, and all
 * killed by `stopAllServers` or, as a last resort, `killAllServersNow`.
 */

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly origin: string;
  readonly logPath: string;
  readonly child: ChildProcess;
}

export interface ServerSpec {
  readonly name: string;
  /** Arguments after the node executable, e.g. ["--import", "tsx", "bench/upstream.ts", "--port", "1234"]. */
  readonly nodeArgs: readonly string[];
  readonly port: number;
  readonly logPath: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory; relative script paths and `--import tsx` resolve from here. */
  readonly cwd: string;
  /** CPU to pin to when taskset is available. */
  readonly cpu: number;
}

const running = new Set<ChildProcess>();

export const tasksetAvailable =
  process.platform === "linux" && spawnSync("taskset", ["-c", "0", "true"]).status === 0;

/** A port free right now on 127.0.0.1, for servers that must be told their port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/** Node's flags for the gateway, as `make run`, `npm start` and the image start it (src/server/heap-tuning.ts). */
const GATEWAY_NODE_FLAGS = ["--max-semi-space-size=8"] as const;

/** `node` arguments for a bench gateway on 127.0.0.1:`port`; `preload` goes before the entry point. */
export function gatewayNodeArgs(configPath: string, port: number, preload: readonly string[] = []): string[] {
  return [
    ...GATEWAY_NODE_FLAGS,
    ...preload,
    "dist/src/main.js",
    "--config",
    configPath,
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
  ];
}

export function startServer(spec: ServerSpec): ServerProcess {
  const log = openSync(spec.logPath, "a");
  const command = tasksetAvailable ? "taskset" : process.execPath;
  const args = tasksetAvailable
    ? ["-c", String(spec.cpu), process.execPath, ...spec.nodeArgs]
    : [...spec.nodeArgs];
  const child = spawn(command, args, {
    cwd: spec.cwd,
    // stdin is a pipe our servers watch: it closes when this process dies, even by SIGKILL.
    stdio: ["pipe", log, log],
    env: spec.env ?? process.env,
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
  running.add(child);
  child.once("exit", () => running.delete(child));
  return {
    name: spec.name,
    pid: child.pid,
    origin: `http://127.0.0.1:${spec.port}`,
    logPath: spec.logPath,
    child,
  };
}

/** Registers a child that is not a server (e.g. the build) so Ctrl-C ends it too. */
export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
}

/**
 * Calls `probe` until it succeeds: polling is the only way to learn that
 * another process is listening. Fails early if the child exits.
 */
export async function waitUntilReady(
  server: ServerProcess,
  probe: () => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(
        `${server.name} exited (${server.child.exitCode ?? server.child.signalCode})\n${logTail(server)}`,
      );
    }
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
      if (!isConnectionRefused(error)) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${server.name} is not answering: ${describe(lastError)}\n${logTail(server)}`);
}

function isConnectionRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "ECONNREFUSED" || code === "UND_ERR_SOCKET" || code === "ECONNRESET";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function logTail(server: ServerProcess, lines = 20): string {
  try {
    const text = readFileSync(server.logPath, "utf8").trimEnd();
    return text === "" ? `(${server.logPath} is empty)` : text.split("\n").slice(-lines).join("\n");
  } catch {
    return `(no log at ${server.logPath})`;
  }
}

/** SIGTERM to every child, SIGKILL to those still there after `graceMs`. */
export async function stopAllServers(graceMs = 3000): Promise<void> {
  const children = [...running];
  const exits = children.map((child) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, "exit"),
  );
  for (const child of children) child.kill("SIGTERM");
  const timer = setTimeout(killAllServersNow, graceMs);
  await Promise.all(exits);
  clearTimeout(timer);
}

/** Synchronous last resort for process 'exit': SIGKILL every child still running. */
export function killAllServersNow(): void {
  for (const child of running) child.kill("SIGKILL");
}
