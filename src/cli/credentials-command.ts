import { parseArgs } from "node:util";
import { CliError } from "../config/cli-args.js";
import {
  type CredentialValuesRewriter,
  type KeyRotationOptions,
  rotateKey,
} from "../credentials/rotate-key.js";
import { GatewayError } from "../errors/gateway-error.js";

export const credentialsUsage = `Usage: switchyard credentials rotate-key --from <old key> --to <new key> [store options]

Re-encrypts every stored credential value, in one transaction: decrypted with
the old salt key (any LiteLLM format: v3:gcm:, v2:gcm:, legacy secretbox),
encrypted with the new one as v3:gcm:. If any value does not decrypt with the
old key, nothing is changed. Afterwards, set LITELLM_SALT_KEY to the new key.

Options:
      --from <key>        the salt key the values are stored with now
      --from-env <name>   read the old key from environment variable <name>
      --to <key>          the salt key to store them with
      --to-env <name>     read the new key from environment variable <name>
  -c, --config <file>     YAML config whose general_settings.database_url names the store
      --data-dir <dir>    the embedded store's directory (default: ./.switchyard)
  -h, --help              show this help

The store is DATABASE_URL, else the config's database_url, else the embedded
one in --data-dir: the same one the gateway uses with the same options.

--from-env/--to-env keep keys out of shell history and the process list.
`;

/** Where the credential store is, as the gateway itself is told. */
export interface StoreLocation {
  /** --config: the YAML whose general_settings may name the database. */
  config?: string;
  /** --data-dir: the embedded store's directory. */
  dataDir: string;
}

export interface RotateKeyCommand extends KeyRotationOptions {
  store: StoreLocation;
}

/**
 * Parses the arguments after `rotate-key`. Each key comes from exactly one of
 * --from/--from-env (and --to/--to-env). Throws CliError; its message names
 * flags and variables, never a key.
 */
export function parseRotateKeyArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): RotateKeyCommand {
  const values = rotateKeyFlags(argv);
  return {
    from: keyArgument("from", values.from, values["from-env"], env),
    to: keyArgument("to", values.to, values["to-env"], env),
    store: {
      ...(values.config !== undefined && { config: values.config }),
      dataDir: values["data-dir"] ?? "./.switchyard",
    },
  };
}

/** The flags of `rotate-key`, typed by parseArgs from its options. */
function rotateKeyFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        from: { type: "string" },
        "from-env": { type: "string" },
        to: { type: "string" },
        "to-env": { type: "string" },
        config: { type: "string", short: "c" },
        "data-dir": { type: "string" },
      },
    }).values;
  } catch (error) {
    // parseArgs quotes unknown arguments, which could be a mistyped key.
    throw new CliError(
      error instanceof Error && "code" in error && error.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
        ? "rotate-key: unexpected argument"
        : "rotate-key: unknown option or missing value",
    );
  }
}

function keyArgument(
  name: "from" | "to",
  direct: string | undefined,
  variable: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (direct !== undefined && variable !== undefined) {
    throw new CliError(`rotate-key: give --${name} or --${name}-env, not both`);
  }
  if (variable !== undefined) {
    const value = env[variable];
    if (!value) throw new CliError(`rotate-key: environment variable ${variable} (--${name}-env) is not set`);
    return value;
  }
  if (direct === undefined)
    throw new CliError(`rotate-key: --${name} <key> or --${name}-env <name> is required`);
  if (direct === "") throw new CliError(`rotate-key: --${name} is empty`);
  return direct;
}

/**
 * `switchyard credentials rotate-key …` against an open store: parses `argv`
 * (the arguments after `rotate-key`) and re-encrypts every stored value.
 * Resolves to the number of credentials rewritten; rejects with CliError for
 * a bad command line or the GatewayError of the first value that did not
 * decrypt, with nothing written.
 */
export function runRotateKey(
  argv: readonly string[],
  repository: CredentialValuesRewriter,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  return rotateKey(repository, parseRotateKeyArgs(argv, env));
}

export interface CredentialsCommandOptions {
  /** Opens the credential store; called only once the command line is valid. */
  openRepository: (location: StoreLocation) => Promise<CredentialValuesRewriter & { close(): Promise<void> }>;
  env?: Readonly<Record<string, string | undefined>>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/**
 * `switchyard credentials <subcommand> …` (argv starts after "credentials").
 * Resolves to the process exit code: 0 done, 1 failed, 2 bad command line.
 */
export async function runCredentialsCommand(
  argv: readonly string[],
  options: CredentialsCommandOptions,
): Promise<number> {
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === "--help" || subcommand === "-h" || rest.includes("--help")) {
    stdout(credentialsUsage);
    return 0;
  }
  if (subcommand !== "rotate-key") {
    // Not echoed: a mistyped command line may hold a key.
    stderr(`switchyard credentials: unknown subcommand (expected rotate-key)\n\n${credentialsUsage}`);
    return 2;
  }
  let rotation: RotateKeyCommand;
  try {
    rotation = parseRotateKeyArgs(rest, options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    stderr(`switchyard credentials ${error.message}\n\n${credentialsUsage}`);
    return 2;
  }
  let repository: Awaited<ReturnType<CredentialsCommandOptions["openRepository"]>>;
  try {
    repository = await options.openRepository(rotation.store);
  } catch (error) {
    stderr(`switchyard credentials rotate-key: cannot open the credential store: ${describe(error)}\n`);
    return 1;
  }
  try {
    const rewritten = await rotateKey(repository, rotation);
    stdout(`re-encrypted ${rewritten} credential(s) with the new key; now set LITELLM_SALT_KEY to it\n`);
    return 0;
  } catch (error) {
    stderr(`switchyard credentials rotate-key: ${describe(error)}; nothing was changed\n`);
    return 1;
  } finally {
    await repository.close();
  }
}

/** GatewayError messages are written for users and never hold secrets; other errors might, so they are not shown. */
function describe(error: unknown): string {
  return error instanceof GatewayError ? error.rawMessage : "internal error";
}
