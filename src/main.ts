#!/usr/bin/env node
import { runCredentialsCommand } from "./cli/credentials-command.js";
import { openCredentialStore } from "./cli/open-credential-store.js";
import { CliError, cliUsage, parseCliArgs } from "./config/cli-args.js";
import { ConfigError } from "./config/config-error.js";
import { demoConfig } from "./config/demo-config.js";
import { loadConfig } from "./config/load-config.js";
import { loadPrompts } from "./integrations/dotprompt/load-prompts.js";
import type { PromptSet } from "./integrations/dotprompt/prompt-set.js";
import { createLogger, logLevelOf } from "./observability/logger.js";
import { providerNames } from "./providers/registry.js";
import { createGateway } from "./server/gateway.js";
import { tuneHeap } from "./server/heap-tuning.js";
import { listen } from "./server/listen.js";
import { createStore } from "./store/create-store.js";
import { migrateWhenReachable } from "./store/start-store.js";
import { describeDatabase, resolveStoreOptions } from "./store/store-options.js";

/** How long in-flight requests and streams may run on after SIGTERM. */
const SHUTDOWN_GRACE_MS = Number(process.env.SWITCHYARD_SHUTDOWN_GRACE_MS ?? 25_000);
/**
 * After the grace, the calls still running are cut (a 503, in-stream for
 * streams, and a spend row each); this long is left for those answers to go
 * out before the remaining connections are destroyed.
 */
const CUT_ANSWER_MS = 1000;

async function main(): Promise<void> {
  tuneHeap();
  const logger = createLogger(undefined, { asynchronous: true });
  if (process.argv[2] === "credentials") {
    process.exitCode = await runCredentialsCommand(process.argv.slice(3), {
      openRepository: (location) => openCredentialStore(location, logger),
    });
    return;
  }
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`${error.message}\n\n${cliUsage}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(cliUsage);
    return;
  }

  let config: Awaited<ReturnType<typeof loadConfig>>;
  let prompts: PromptSet;
  try {
    config = options.config
      ? await loadConfig(options.config, {
          env: process.env,
          knownProviders: providerNames,
          strict: options.strictConfig,
        })
      : demoConfig(process.env);
    // Prompt files are part of the config: one that does not parse stops the start, with its path and line.
    prompts = await loadPrompts(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchyard: invalid config ${options.config}:\n${error.message}\n`);
    process.exit(1);
  }
  // The config may name a level (set_verbose) or set LOG_LEVEL / LITELLM_LOG in environment_variables.
  logger.level = logLevelOf({ ...config.environmentVariables, ...process.env }, config.litellmSettings);
  for (const warning of [...config.warnings, ...prompts.warnings]) {
    logger.warn({ config: config.source }, warning);
  }

  const storeOptions = resolveStoreOptions({
    env: { ...config.environmentVariables, ...process.env },
    generalSettings: config.generalSettings.raw,
    dataDir: options.dataDir,
    logger,
  });
  const store = createStore(storeOptions);
  // In the background: the database may be slow (first embedded start) or down, and completions do not need it.
  const storeStartup = new AbortController();
  const storeReady = migrateWhenReachable(store, {
    logger,
    signal: storeStartup.signal,
    // The data directory is in use, unreadable, corrupt or from a newer version: one line, and stop.
    onFatal: (error) => {
      const where =
        storeOptions.databaseUrl || error.rawMessage.includes(options.dataDir)
          ? ""
          : ` in ${options.dataDir}`;
      process.stderr.write(`switchyard: cannot start the store${where}: ${error.rawMessage}\n`);
      process.exit(1);
    },
  });
  let gateway: ReturnType<typeof createGateway>;
  try {
    gateway = createGateway({ config, logger, store, storeReady, prompts });
  } catch (error) {
    // Some problems show only once the environment is read (a trace callback missing its variables).
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchyard: invalid config ${config.source}:\n${error.message}\n`);
    process.exit(1);
  }
  const listener = await listen(gateway.handler, { port: options.port, host: options.host });
  logger.info(
    {
      url: listener.url,
      config: config.source,
      models: [...new Set(config.modelList.map((entry) => entry.modelName))],
      auth: config.generalSettings.masterKey ? "master key" : "open (no master key set)",
      store: storeOptions.databaseUrl
        ? describeDatabase(storeOptions.databaseUrl)
        : `embedded (${options.dataDir})`,
    },
    "switchyard listening: HTTP/1.1 and h2c on one port",
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, inFlight: listener.activeRequests }, "shutting down: draining in-flight requests");
    gateway.beginShutdown();
    const graceOver = setTimeout(() => gateway.cutCalls(), SHUTDOWN_GRACE_MS);
    await listener.close(SHUTDOWN_GRACE_MS + CUT_ANSWER_MS);
    clearTimeout(graceOver);
    await gateway.close();
    storeStartup.abort();
    await store.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // The daemon convention: SIGHUP re-reads (the prompt files), it does not stop.
  process.on("SIGHUP", () => void gateway.prompts.reload("SIGHUP"));
}

main().catch((error: unknown) => {
  process.stderr.write(`switchyard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
