import { Code } from "@connectrpc/connect";
import { createA2AGrpcService } from "../a2a/a2a-grpc-service.js";
import { a2aRoutes, createA2AAgents } from "../a2a/a2a-routes.js";
import { createAgentChat } from "../a2a/agent-chat.js";
import { AgentRegistry } from "../a2a/agent-registry.js";
import { adminRoutes } from "../admin/trpc-routes.js";
import { Authenticator } from "../auth/authenticator.js";
import { createResponseCache } from "../cache/create-response-cache.js";
import { LightSignal } from "../calls/light-signal.js";
import type { GatewayConfig } from "../config/config-types.js";
import { requestLimits } from "../config/request-limits.js";
import { storeModelInDb } from "../config/store-model-in-db.js";
import { servedCallbacks } from "../config/validate-config.js";
import { readConfigCredentials } from "../credentials/config-credentials.js";
import { CredentialResolver } from "../credentials/credential-resolver.js";
import { createCredentialCipher } from "../credentials/encryption/credential-cipher.js";
import { adoptStoreSaltKey } from "../credentials/salt-key-rotation.js";
import { GatewayError } from "../errors/gateway-error.js";
import { Guardrails } from "../guardrails/guardrails.js";
import { callerKey } from "../http/door-kit/caller-key.js";
import { sendOpenAIError, sendUnknownUrl } from "../http/door-kit/error-answers.js";
import { pathOf } from "../http/door-kit/request-parts.js";
import type { NodeRequest, RequestHandler } from "../http/node-http.js";
import { RouteTable } from "../http/route-table.js";
import { UpstreamClient } from "../http/upstream-client.js";
import { createPromptApplier } from "../integrations/dotprompt/prompt-applier.js";
import { PromptRegistry } from "../integrations/dotprompt/prompt-registry.js";
import type { PromptSet } from "../integrations/dotprompt/prompt-set.js";
import { KeyCache } from "../keys/key-cache.js";
import { KeyEnforcement } from "../keys/key-enforcement.js";
import { KeyRateLimiter } from "../keys/key-rate-limiter.js";
import { KeySpendLedger } from "../keys/key-spend-ledger.js";
import { ServedModels } from "../models/served-models.js";
import { checkModel } from "../models/stored-model.js";
import { StoredModels } from "../models/stored-models.js";
import { createCallObservers } from "../observability/call-observers.js";
import type { Logger } from "../observability/logger.js";
import { createProviderRegistry, providerNames } from "../providers/registry.js";
import { BackgroundHealthChecks } from "../router/background-health-checks.js";
import { buildDeployments } from "../router/build-deployments.js";
import { createRouterState, resolveRedisUrl } from "../router/create-router-state.js";
import { deploymentCredentialsLookup } from "../router/deployment-credentials.js";
import { FallbackRouterState } from "../router/fallback-router-state.js";
import { Router } from "../router/router.js";
import { createAgentService } from "../services/agent-service.js";
import { createAuthInterceptor } from "../services/auth-interceptor.js";
import { createCompletionService } from "../services/completion-service.js";
import { createCredentialService } from "../services/credential-service.js";
import { HealthState, ServingStatus } from "../services/grpc-health.js";
import { createKeyService } from "../services/key-service.js";
import { createModelService } from "../services/model-service.js";
import { createPromptService } from "../services/prompt-service.js";
import { anthropicRoutes } from "../shim/anthropic/anthropic-routes.js";
import { cacheRoutes } from "../shim/litellm/cache-routes.js";
import { credentialRoutes } from "../shim/litellm/credential-routes.js";
import { guardrailRoutes } from "../shim/litellm/guardrail-routes.js";
import { keyRoutes } from "../shim/litellm/key-routes.js";
import { modelManagementRoutes } from "../shim/litellm/model-management-routes.js";
import {
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  HEALTH_CHECK_CONCURRENCY,
  healthCheckTargets,
  modelRoutes,
} from "../shim/litellm/model-routes.js";
import { spendRoutes } from "../shim/litellm/spend-routes.js";
import { openAIRoutes } from "../shim/openai/openai-routes.js";
import { AgentRepository } from "../store/agent-repository.js";
import { CredentialRepository } from "../store/credential-repository.js";
import { KeyRepository } from "../store/key-repository.js";
import { ModelRepository } from "../store/model-repository.js";
import { SpendRepository } from "../store/spend-repository.js";
import type { Store } from "../store/store.js";
import { createConnectAdapter } from "./connect-adapter.js";
import { connectRoutes } from "./connect-routes.js";
import { consoleRoutes } from "./console-routes.js";
import { createCors } from "./cors.js";
import { healthRoutes, type Readiness } from "./health-routes.js";
import { metricsRoutes } from "./metrics-routes.js";
import { startWhenStoreReady } from "./start-when-store-ready.js";

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Where providers find their keys (OPENAI_API_KEY, …); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Origins browsers may call from; default any ("*"). */
  readonly corsOrigins?: readonly string[];
  /** The database, when there is one; readiness reports it. Its owner (main) closes it. */
  readonly store?: Store;
  /**
   * Settles when the store's schema is current (main's migrateWhenReachable);
   * stored credentials are read after it, and not at all if it resolves
   * false. Default: at once.
   */
  readonly storeReady?: Promise<boolean>;
  /** The config's prompts, read by loadPrompts (where a bad file stops the start); needed when it names any. */
  readonly prompts?: PromptSet;
  /** The clock key expiry and budget periods are reckoned by, ms since the epoch; default Date.now (tests move it). */
  readonly now?: () => number;
  /** The built web console served at /ui; default dist/ui of this package. */
  readonly consoleDir?: string;
}

export interface Gateway {
  /** The one request handler: health, REST shims, then Connect. */
  readonly handler: RequestHandler;
  readonly health: HealthState;
  /** Every credential models can use, in clear, in memory; reloaded on every replica's change. */
  readonly credentials: CredentialResolver;
  /** Resolves once stored credentials are loaded (pending while the database is unreachable). */
  readonly credentialsReady: Promise<void>;
  /** Every A2A agent (YAML and stored, stored overriding); reloaded on every replica's change. */
  readonly agents: AgentRegistry;
  /** Resolves once stored agents are loaded (pending while the database is unreachable). */
  readonly agentsReady: Promise<void>;
  /** Every virtual key, in memory; reloaded on every replica's change. Authentication reads only this. */
  readonly keys: KeyCache;
  /** Resolves once stored keys are loaded (pending while the database is unreachable). */
  readonly keysReady: Promise<void>;
  /** Every model stored through the API, decrypted and checked; reloaded on every replica's change. */
  readonly storedModels: StoredModels;
  /** Resolves once stored models are loaded and routed (pending while the database is unreachable). */
  readonly modelsReady: Promise<void>;
  /** The managed prompts; reloaded when their files change, and by `prompts.reload()` (main: on SIGHUP). */
  readonly prompts: PromptRegistry;
  /** Reports not ready (HTTP readiness and gRPC health), so load balancers drain us. */
  beginShutdown(): void;
  /**
   * The shutdown grace is over: ends every model call still running with a
   * 503 "shutting down" (in-stream for streams), each answered and accounted
   * (spend row, access log line, metrics) as it ends.
   */
  cutCalls(): void;
  /**
   * Cancels whatever is still running, waits (briefly) for the records of
   * calls being cut, writes what observers buffer (spend rows) and releases
   * upstream connection pools.
   */
  close(): Promise<void>;
}

/** Builds everything a request needs, once: nothing on the request path parses config. */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, logger } = options;
  const upstreamClient = new UpstreamClient();
  // The YAML's environment_variables block fills in what the real environment lacks, as in LiteLLM.
  const env = { ...config.environmentVariables, ...(options.env ?? process.env) };
  // Shared through Redis when one is configured (so limits and cooldowns hold across replicas), else in process.
  const state = createRouterState({
    redisUrl: resolveRedisUrl(env, config.routerSettings),
    keyPrefix: env.SWITCHYARD_REDIS_PREFIX || undefined,
    commandTimeoutMs: Number(env.SWITCHYARD_REDIS_TIMEOUT_MS) || undefined,
    logger,
  });
  const store = options.store;
  const cipher = createCredentialCipher({
    env,
    masterKey: config.generalSettings.masterKey,
    warn: (message) => logger.warn(message),
  });
  const repository = store && new CredentialRepository(store);
  const configCredentials = readConfigCredentials(config.credentialList, (message) => logger.warn(message));
  // After a salt-key rotation through the API, replicas learn the new key from the store.
  const syncSaltKey =
    repository && (async () => adoptStoreSaltKey(cipher, await repository.keyState(), logger));
  const credentials = new CredentialResolver({ configCredentials, repository, cipher, syncSaltKey, logger });
  const keyRepository = store && new KeyRepository(store);
  const keys = new KeyCache({ repository: keyRepository, logger });
  // Virtual keys live in the store: each call's cost is charged there, in batches.
  const keySpend =
    keyRepository && new KeySpendLedger({ repository: keyRepository, keys, logger, now: options.now });
  // Metrics label calls by these names; stored models' groups join when they are loaded.
  const labelledGroups = new Set(config.modelList.map((entry) => entry.modelName));
  const observers = createCallObservers({
    config,
    env,
    logger,
    modelGroups: labelledGroups,
    store,
    storeReady: options.storeReady,
    observers: keySpend && [keySpend],
  });
  const providers = createProviderRegistry(upstreamClient, env);
  const deployments = buildDeployments(config.modelList, providers, config.router, credentials);
  const router = new Router({
    deployments,
    settings: config.router,
    state,
    onCooldown: (deploymentId, group) => observers.metrics.cooledDown(deploymentId, group),
  });
  // Models stored through the API join the config's in the router, on every replica, without a restart.
  const served = new ServedModels({
    configList: config.modelList,
    configDeployments: deployments,
    build: (configs) => buildDeployments(configs, providers, config.router, credentials),
    serve: (all) => router.setDeployments(all),
    logger,
  });
  const modelRepository = store && new ModelRepository(store);
  const modelsStored = storeModelInDb(config.generalSettings.raw, env);
  const modelChecks = {
    env,
    knownProviders: providerNames,
    dropParams: config.litellmSettings.drop_params === true,
  };
  const storedModels = new StoredModels({
    repository: modelsStored ? modelRepository : undefined,
    cipher,
    check: (record, params) => {
      const input = { ...record, litellmParams: params };
      const checked = checkModel(input, modelChecks);
      return "config" in checked ? checked.config : checked.problems;
    },
    syncSaltKey,
    logger,
  });
  storedModels.onChanged(() => {
    served.update(storedModels.list());
    for (const model of storedModels.list()) labelledGroups.add(model.config.modelName);
  });
  const authenticator = new Authenticator(config.generalSettings.masterKey, { keys, now: options.now });
  // A virtual key's models, budget and rate limits (counted in the router's state, shared like it).
  const keyEnforcement =
    keySpend &&
    new KeyEnforcement({
      ledger: keySpend,
      limiter: new KeyRateLimiter(state, options.now),
      accessGroupsOf: (model) => router.models.group(model)?.accessGroups,
      now: options.now,
    });
  // Agents answer `a2a/<agent>` chat models, and model-backed agents call this same service: bound late.
  const agentChat = createAgentChat({
    handlerFor: (name) => a2aAgents.handlerFor(name),
    authorize: (name, principal) => a2aAgents.authorize(name, principal),
  });
  const prompts = new PromptRegistry({ config, initial: options.prompts, logger });
  prompts.watch();
  // litellm_settings.cache: repeated calls answered without an upstream call, shared through Redis when asked.
  const guardrails =
    config.guardrails && config.guardrails.length > 0
      ? new Guardrails({
          specs: config.guardrails,
          client: upstreamClient,
          logger,
          onCheck: (name, mode, outcome) => observers.metrics.guardrailChecked(name, mode, outcome),
        })
      : undefined;
  const cache = createResponseCache({
    settings: config.cache,
    accounting: observers.accounting,
    accessGroupsOf: (model) => router.models.group(model)?.accessGroups,
    onLookup: (kind, model, hit) => observers.metrics.cacheLookup(kind, model, hit),
    logger,
    redisPrefix: env.SWITCHYARD_REDIS_PREFIX || undefined,
    now: options.now,
  });
  const completion = createCompletionService({
    cache,
    ...(guardrails && { guardrails }),
    router,
    agentChat,
    accounting: observers.accounting,
    admission: keyEnforcement,
    prompts: createPromptApplier({
      prompts,
      isModelGroup: (name) => router.models.group(name) !== undefined,
    }),
  });
  const credentialService = createCredentialService({
    repository,
    cipher,
    configCredentials,
    configFile: config.source,
    deploymentCredentials: deploymentCredentialsLookup((id) => served.get(id)?.deployment),
    logger,
    onChanged: (name) => credentials.reload(name),
    syncSaltKey,
    modelSecrets: modelRepository,
  });
  const credentialNames = config.modelList.flatMap((entry) => entry.params.litellmCredentialName ?? []);
  const agentRepository = store && new AgentRepository(store);
  const agents = new AgentRegistry({ configAgents: config.agents, repository: agentRepository, logger });
  const publicUrl = env.SWITCHYARD_PUBLIC_URL || undefined;
  const a2aAgents = createA2AAgents({
    agents,
    completion,
    authenticator,
    store,
    publicUrl,
    authorizeAgent: keyEnforcement && ((principal, name) => keyEnforcement.authorizeAgent(principal, name)),
    logger,
  });
  const agentService = createAgentService({
    agentHandlers: a2aAgents,
    repository: agentRepository,
    configAgents: config.agents,
    // Config and stored models' groups, as the router serves them now.
    modelGroups: { has: (name) => router.models.group(name) !== undefined },
    onChanged: (name) => agents.reload(name),
  });
  const modelService = createModelService({
    repository: modelRepository,
    cipher,
    served,
    check: (input) => checkModel(input, modelChecks),
    storeDisabled: !modelsStored,
    onChanged: (id) => storedModels.reload(id),
    syncSaltKey,
    logger,
  });
  const keyService = createKeyService({
    repository: keyRepository,
    isMasterKey: (key) => authenticator.isMasterKey(key),
    onChanged: (tokenIds) => keys.reload(tokenIds),
    now: options.now,
  });
  // Every mirror of the store loads once its schema is current; each has its own ready promise.
  const {
    credentials: credentialsReady,
    agents: agentsReady,
    models: modelsReady,
    keys: keysReady,
  } = startWhenStoreReady(
    options.storeReady,
    [
      { what: "credentials", start: () => credentials.start(credentialNames) },
      { what: "agents", start: () => Promise.all([agents.start(), a2aAgents.start()]) },
      { what: "models", start: () => storedModels.start() },
      { what: "keys", start: () => keys.start() },
    ],
    logger,
  );
  const health = new HealthState();
  const shutdown = new AbortController();
  // The same end for RPCs: every call links its signal to this one and unlinks it at its end, which
  // costs an array push and splice on a LightSignal, ~2 µs each on Node's EventTarget.
  const rpcShutdown = new LightSignal();
  let accepting = true;

  const onError = (error: GatewayError, request: NodeRequest) =>
    logger.warn(
      { method: request.method, path: request.url, code: Code[error.code], err: error.rawMessage },
      "request failed",
    );

  const promptService = createPromptService({ prompts });
  const limits = requestLimits(config.generalSettings.raw);
  const connect = createConnectAdapter({
    routes: connectRoutes({
      completion,
      credentials: credentialService,
      agents: agentService,
      keys: keyService,
      prompts: promptService,
      models: modelService,
      health,
      a2a: createA2AGrpcService(a2aAgents),
    }),
    interceptors: [createAuthInterceptor(authenticator)],
    shutdownSignal: rpcShutdown,
    fallback: sendUnknownUrl,
    logger,
    readMaxBytes: limits.maxRequestBytes,
    authenticate: (request) => authenticator.principalOrUndefined(callerKey(request)),
    unauthenticatedReadMaxBytes: limits.unauthenticatedRequestBytes,
  });
  const backgroundHealth = startBackgroundHealthChecks(config, served, router, logger);
  const cors = createCors({ allowedOrigins: options.corsOrigins ?? ["*"] });
  const door = { authenticator, onError };
  // The embedded store is created and migrated at first start: not ready until then. A Postgres that is
  // down is an outage, reported as degraded, since completions do not need it.
  let storeStarting = store?.backend === "pglite" && options.storeReady !== undefined;
  // gRPC health probes see the same: NOT_SERVING until then.
  if (storeStarting) health.setAll(ServingStatus.NOT_SERVING);
  const storeStarted = () => {
    storeStarting = false;
    if (accepting) health.setAll(ServingStatus.SERVING);
  };
  void options.storeReady?.then(storeStarted, storeStarted);
  const readiness: Readiness = {
    ready: () => accepting,
    successCallbacks: successCallbackNames(config.litellmSettings),
    starting: () =>
      storeStarting ? "the embedded store is starting (created and migrated on first start)" : undefined,
    ...(store && { db: () => store.health() }),
    ...(state instanceof FallbackRouterState && {
      cache: () => (state.shared ? "redis" : "redis unavailable: limits and cooldowns counted per replica"),
    }),
  };

  // Every HTTP door in one table: the most specific path wins, whatever the order below.
  const routes = new RouteTable([
    ...healthRoutes(readiness),
    ...metricsRoutes({
      metrics: observers.metrics,
      authenticator,
      requireAuth: config.litellmSettings.require_auth_for_metrics_endpoint === true,
      sendError: sendOpenAIError,
    }),
    ...modelRoutes({
      ...door,
      entries: () => served.entries(),
      ...(backgroundHealth && { backgroundHealth }),
      shutdownSignal: shutdown.signal,
    }),
    ...modelManagementRoutes({ ...door, models: modelService }),
    ...anthropicRoutes({ ...door, completion, maxRequestBytes: limits.maxRequestBytes }),
    ...openAIRoutes({ ...door, completion, maxRequestBytes: limits.maxRequestBytes }),
    ...credentialRoutes({ ...door, credentials: credentialService }),
    ...keyRoutes({ ...door, keys: keyService }),
    ...spendRoutes({ ...door, ...(store && { spend: new SpendRepository(store) }) }),
    ...cacheRoutes({ ...door, cache }),
    ...guardrailRoutes({ ...door, ...(guardrails && { guardrails }) }),
    // The admin API and the console: the same service objects again, behind tRPC.
    ...adminRoutes({
      ...door,
      router: async () => {
        const [{ createAppRouter }, { spendQueries }] = await Promise.all([
          import("../admin/app-router.js"),
          import("../admin/spend-router.js"),
        ]);
        return createAppRouter({
          completion,
          router,
          state,
          credentials: credentialService,
          keys: keyService,
          agents: agentService,
          prompts: promptService,
          models: modelService,
          spend: store && spendQueries(new SpendRepository(store), store),
        });
      },
    }),
    ...consoleRoutes({ dir: options.consoleDir, sendError: sendOpenAIError }),
    ...a2aRoutes({ ...door, served: a2aAgents, publicUrl }),
  ]);

  const handler: RequestHandler = (request, response) => {
    if (cors(request, response)) return;
    // Paths no door serves are the Connect adapter's (which answers 404 for what it does not know).
    if (!routes.dispatch(request, response, pathOf(request))) connect(request, response);
  };

  return {
    handler,
    health,
    credentials,
    credentialsReady,
    agents,
    agentsReady,
    keys,
    keysReady,
    storedModels,
    modelsReady,
    prompts,
    beginShutdown() {
      accepting = false;
      health.setAll(ServingStatus.NOT_SERVING);
      health.close();
    },
    cutCalls() {
      router.cutCalls(shuttingDown());
    },
    async close() {
      const reason = shuttingDown();
      router.cutCalls(reason);
      shutdown.abort(reason);
      rpcShutdown.abort(reason);
      await backgroundHealth?.stop();
      prompts.close();
      // Calls just cut end on their next turn of the event loop; their records must reach the spend log first.
      await observers.accounting.whenIdle(CUT_CALLS_SETTLE_MS);
      await Promise.all([
        upstreamClient.close(),
        state.close(),
        credentials.stop(),
        agents.stop(),
        a2aAgents.stop(),
        keys.stop(),
        storedModels.stop(),
        keySpend?.close(),
        cache?.close(),
        observers.close(),
      ]);
    },
  };
}

/** How long close() waits for the records of calls it cut before closing the spend log. */
const CUT_CALLS_SETTLE_MS = 2000;

function shuttingDown(): GatewayError {
  return new GatewayError({ code: Code.Unavailable, message: "the gateway is shutting down" });
}

/**
 * LiteLLM's `success_callbacks` in readiness: the named callbacks that run when a call succeeds.
 * Only those Switchyard serves: the config check warns about the others, which never run.
 */
function successCallbackNames(settings: Record<string, unknown>): string[] {
  const names = [settings.success_callback, settings.callbacks].flatMap((list) =>
    Array.isArray(list)
      ? list.filter((name): name is string => typeof name === "string" && servedCallbacks.has(name))
      : [],
  );
  return [...new Set(names)];
}

/** LiteLLM's default `health_check_interval`, seconds. */
const DEFAULT_HEALTH_CHECK_INTERVAL_S = 300;

/**
 * `general_settings.background_health_checks: true`: checks every deployment each
 * `health_check_interval` seconds; the router skips those that fail. Undefined when off.
 */
function startBackgroundHealthChecks(
  config: GatewayConfig,
  served: Pick<ServedModels, "entries">,
  router: Router,
  logger: Logger,
): BackgroundHealthChecks | undefined {
  const settings = config.generalSettings.raw;
  if (settings.background_health_checks !== true) return undefined;
  const interval = settings.health_check_interval;
  const intervalS = typeof interval === "number" && interval > 0 ? interval : DEFAULT_HEALTH_CHECK_INTERVAL_S;
  const loop = new BackgroundHealthChecks({
    // Every run checks what is served then, models stored since the last run included.
    targets: () => healthCheckTargets(served.entries()),
    intervalMs: intervalS * 1000,
    timeoutMs: DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
    concurrency: HEALTH_CHECK_CONCURRENCY,
    onResults: (results) => {
      const unhealthy = results.filter((result) => !result.healthy);
      router.setUnhealthy(new Set(unhealthy.map((result) => result.deployment.id)));
      if (unhealthy.length > 0) {
        logger.warn(
          { unhealthy: unhealthy.map((result) => ({ id: result.deployment.id, error: result.error })) },
          "background health check: deployments skipped until they pass again",
        );
      }
    },
  });
  loop.start();
  return loop;
}
