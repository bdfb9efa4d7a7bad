import { Code } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createA2AAgents, createA2ARoutes } from "../a2a/a2a-routes.js";
import { createAgentChat } from "../a2a/agent-chat.js";
import { AgentRegistry } from "../a2a/agent-registry.js";
import { Authenticator } from "../auth/authenticator.js";
import type { GatewayConfig } from "../config/config-types.js";
import { readConfigCredentials } from "../credentials/config-credentials.js";
import { CredentialResolver } from "../credentials/credential-resolver.js";
import { createCredentialCipher } from "../credentials/encryption/credential-cipher.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { NodeRequest, NodeResponse, RequestHandler } from "../http/node-http.js";
import { UpstreamClient } from "../http/upstream-client.js";
import { createCallObservers } from "../observability/call-observers.js";
import type { Logger } from "../observability/logger.js";
import { createProviderRegistry } from "../providers/registry.js";
import { buildDeployments } from "../router/build-deployments.js";
import { createRouterState, resolveRedisUrl } from "../router/create-router-state.js";
import { Router } from "../router/router.js";
import { createAgentService } from "../services/agent-service.js";
import { createAuthInterceptor } from "../services/auth-interceptor.js";
import { createCompletionService } from "../services/completion-service.js";
import { createCredentialService } from "../services/credential-service.js";
import { HealthState, ServingStatus } from "../services/grpc-health.js";
import { createAnthropicShim } from "../shim/anthropic/anthropic-shim.js";
import { createCredentialRoutes } from "../shim/litellm/credential-routes.js";
import { createOpenAIShim, sendOpenAIError } from "../shim/openai/openai-shim.js";
import { AgentRepository } from "../store/agent-repository.js";
import { CredentialRepository } from "../store/credential-repository.js";
import type { Store } from "../store/store.js";
import { connectRoutes } from "./connect-routes.js";
import { createCors } from "./cors.js";
import { handleHealth } from "./health-routes.js";

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
  /** Reports not ready (HTTP readiness and gRPC health), so load balancers drain us. */
  beginShutdown(): void;
  /** Cancels whatever is still running and releases upstream connection pools. */
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
    logger,
  });
  const store = options.store;
  const cipher = createCredentialCipher({
    env,
    masterKey: config.generalSettings.masterKey,
    warn: (message) => logger.warn(message),
  });
  const repository = store && new CredentialRepository(store);
  const credentials = new CredentialResolver({
    configCredentials: readConfigCredentials(config.credentialList, (message) => logger.warn(message)),
    repository,
    cipher,
    logger,
  });
  const router = new Router({
    deployments: buildDeployments(
      config.modelList,
      createProviderRegistry(upstreamClient, env),
      config.router,
      credentials,
    ),
    settings: config.router,
    state,
  });
  const authenticator = new Authenticator(config.generalSettings.masterKey);
  // Agents answer `a2a/<agent>` chat models, and model-backed agents call this same service: bound late.
  const agentChat = createAgentChat({ handlerFor: (name) => a2aAgents.handlerFor(name) });
  const observers = createCallObservers({ config, env, logger, store });
  const completion = createCompletionService({ router, agentChat, accounting: observers.accounting });
  const credentialService = createCredentialService({
    repository,
    cipher,
    logger,
    onChanged: (name) => credentials.reload(name),
  });
  const credentialNames = config.modelList.flatMap((entry) => entry.params.litellmCredentialName ?? []);
  const credentialsReady = (options.storeReady ?? Promise.resolve(true))
    .then((ready) => (ready ? credentials.start(credentialNames) : undefined))
    .catch((error: unknown) =>
      logger.warn(
        { err: GatewayError.from(error).rawMessage },
        "credentials: could not load stored credentials",
      ),
    );
  const agentRepository = store && new AgentRepository(store);
  const agents = new AgentRegistry({ configAgents: config.agents, repository: agentRepository, logger });
  const publicUrl = env.SWITCHYARD_PUBLIC_URL || undefined;
  const a2aAgents = createA2AAgents({ agents, completion, authenticator, store, publicUrl });
  const agentService = createAgentService({
    agentHandlers: a2aAgents,
    repository: agentRepository,
    configAgents: config.agents,
    modelGroups: new Set(config.modelList.map((deployment) => deployment.modelName)),
    onChanged: (name) => agents.reload(name),
  });
  const agentsReady = (options.storeReady ?? Promise.resolve(true))
    .then((ready) => (ready ? agents.start() : undefined))
    .catch((error: unknown) =>
      logger.warn({ err: GatewayError.from(error).rawMessage }, "agents: could not load stored agents"),
    );
  const health = new HealthState();
  const shutdown = new AbortController();
  let accepting = true;

  const onError = (error: GatewayError, request: NodeRequest) =>
    logger.warn(
      { method: request.method, path: request.url, code: Code[error.code], err: error.rawMessage },
      "request failed",
    );

  const connect = connectNodeAdapter({
    routes: connectRoutes({ completion, credentials: credentialService, agents: agentService, health }),
    interceptors: [createAuthInterceptor(authenticator)],
    shutdownSignal: shutdown.signal,
    // Connect's node types differ from node's own in callback details only.
    fallback: (request, response) => notFound(request, response as unknown as NodeResponse),
  });
  const openai = createOpenAIShim({ completion, authenticator, onError });
  const anthropic = createAnthropicShim({ completion, authenticator, onError });
  const credentialRoutes = createCredentialRoutes({ credentials: credentialService, authenticator, onError });
  const a2a = createA2ARoutes({
    served: a2aAgents,
    authenticator,
    publicUrl,
    onError,
  });
  const cors = createCors({ allowedOrigins: options.corsOrigins ?? ["*"] });
  const readiness = { ready: () => accepting, ...(store && { db: () => store.health() }) };

  const handler: RequestHandler = (request, response) => {
    if (cors(request, response)) return;
    const url = request.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    if (path.startsWith("/health/") && handleHealth(response, path, readiness)) return;
    // Before the OpenAI shim, which answers every other /v1/ path (with a 404 when unknown).
    if (anthropic(request, response, path)) return;
    if (openai(request, response, path)) return;
    if (credentialRoutes(request, response, path)) return;
    if (a2a(request, response, path)) return;
    connect(request, response);
  };

  return {
    handler,
    health,
    credentials,
    credentialsReady,
    agents,
    agentsReady,
    beginShutdown() {
      accepting = false;
      health.setAll(ServingStatus.NOT_SERVING);
      health.close();
    },
    async close() {
      shutdown.abort(new GatewayError({ code: Code.Unavailable, message: "the gateway is shutting down" }));
      await Promise.all([
        upstreamClient.close(),
        state.close(),
        credentials.stop(),
        agents.stop(),
        observers.close(),
      ]);
    },
  };
}

function notFound(request: NodeRequest, response: NodeResponse): void {
  sendOpenAIError(
    response,
    new GatewayError({
      code: Code.NotFound,
      message: `Unknown request URL: ${request.method} ${request.url}.`,
      errorCode: "unknown_url",
      type: "invalid_request_error",
    }),
  );
}
