import { parseArgs } from "node:util";

/** What the command line asked for. */
export interface CliOptions {
  /** Path of the LiteLLM-style YAML config; absent means the built-in demo config. */
  config?: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind. */
  host: string;
  /** Where Switchyard keeps its state. */
  dataDir: string;
  /** --help was given: print `cliUsage` and exit. */
  help: boolean;
  /**
   * --strict-config (or SWITCHYARD_STRICT_CONFIG=1/true): refuse a config with
   * entries Switchyard cannot serve, instead of starting without them.
   */
  strictConfig: boolean;
}

/** A bad command line; the message is meant to be printed as is, followed by `cliUsage`. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

export const cliUsage = `Usage: switchyard [options]

Options:
  -c, --config <file>    LiteLLM-style YAML config (default: $CONFIG, else the built-in demo config)
  -p, --port <port>      port to listen on (default: $PORT, else 4000)
      --host <host>      interface to bind (default: 0.0.0.0)
      --data-dir <dir>   where Switchyard keeps its state (default: $SWITCHYARD_DATA_DIR, else ./.switchyard)
      --strict-config    refuse model_list entries Switchyard cannot serve
                         (default: start without them, named in a warning;
                         also SWITCHYARD_STRICT_CONFIG=1)
  -h, --help             show this help
`;

const defaultPort = 4000;

/**
 * Parses the arguments after the script name (`process.argv.slice(2)`).
 * The port comes from --port, else the PORT environment variable, else 4000.
 * Throws CliError for unknown flags, stray arguments, missing values or a bad port.
 */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let values: {
    config?: string;
    port?: string;
    host?: string;
    "data-dir"?: string;
    help?: boolean;
    "strict-config"?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string", short: "c" },
        port: { type: "string", short: "p" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
        "strict-config": { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const port =
    values.port !== undefined
      ? parsePort(values.port, "--port")
      : env.PORT
        ? parsePort(env.PORT, "PORT")
        : defaultPort;
  // Environment fallbacks, so a container is configured without overriding its command.
  const config = values.config ?? (env.CONFIG || undefined);
  return {
    ...(config !== undefined && { config }),
    port,
    host: values.host ?? "0.0.0.0",
    dataDir: values["data-dir"] ?? (env.SWITCHYARD_DATA_DIR || "./.switchyard"),
    help: values.help ?? false,
    strictConfig: values["strict-config"] ?? /^(1|true|yes)$/i.test(env.SWITCHYARD_STRICT_CONFIG ?? ""),
  };
}

function parsePort(text: string, name: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(port) && port <= 65535) return port;
  throw new CliError(`${name}: expected a port number from 0 to 65535, got "${text}"`);
}
