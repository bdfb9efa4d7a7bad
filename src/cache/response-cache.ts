import { randomUUID } from "node:crypto";
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageShape,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { type Usage, UsageSchema } from "../../gen/switchyard/v1/chat_pb.js";
import {
  type CreateEmbeddingsRequest,
  CreateEmbeddingsRequestSchema,
  type CreateEmbeddingsResponse,
  CreateEmbeddingsResponseSchema,
  EmbeddingInputSchema,
  EmbeddingSchema,
  type RouteInfo,
  RouteInfoSchema,
} from "../../gen/switchyard/v1/completion_pb.js";
import { AGENT_MODEL_PREFIX } from "../a2a/agent-model.js";
import type { CallAccounting, RequestFacts } from "../accounting/call-accounting.js";
import type { CallKind } from "../accounting/call-record.js";
import { principalKey } from "../auth/context-keys.js";
import { callControlOf } from "../calls/call-control.js";
import { requestStartKey } from "../calls/call-timing.js";
import { ROUTE_HEADERS } from "../calls/route-headers.js";
import { mayUseAllModels, mayUseModel } from "../keys/model-access.js";
import { withCacheControlHeader } from "./cache-control.js";
import { type CacheEntry, decodeEntry, encodeEntry } from "./cache-entry.js";
import { answerParams, cacheKey, embeddingInputKey } from "./cache-key.js";
import type { CacheSettings } from "./cache-settings.js";
import type { CacheStore } from "./cache-store.js";

/** The header LiteLLM answers with, naming the entry a call read or wrote. */
export const CACHE_KEY_HEADER = "x-litellm-cache-key";
const COST_HEADERS = ["x-switchyard-response-cost", "x-litellm-response-cost"] as const;
/** A streamed answer larger than this is not stored (its chunks are held until the end). */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024;

export interface ResponseCacheOptions {
  readonly settings: CacheSettings;
  readonly store: CacheStore;
  readonly accounting: CallAccounting;
  /** A model group's access groups, so a limited virtual key is served only what it may call. */
  readonly accessGroupsOf: (model: string) => ReadonlySet<string> | undefined;
  /** Told about every lookup (metrics). */
  readonly onLookup?: (kind: CallKind, model: string, hit: boolean) => void;
  /** Wall clock, ms (s-maxage is measured with it). */
  readonly now?: () => number;
}

/** A chat or text method as the cache keys and stores its answers. */
export interface CachedMethod<Request extends DescMessage, Message extends DescMessage> {
  readonly kind: CallKind;
  /** A stream stores its chunks, under keys of its own. */
  readonly stream: boolean;
  readonly request: Request;
  /** The answer, or one chunk of a stream. */
  readonly message: Message;
}

/** What caching does for one request: its key, whether to read and to write, for how long. */
interface CachePlan {
  readonly key: string;
  readonly read: boolean;
  readonly write: boolean;
  readonly ttlSeconds: number | undefined;
  readonly maxAgeMs: number | undefined;
  readonly namespace: string | undefined;
}

/**
 * LiteLLM's response cache in front of the Completion service's calls
 * (caching/caching_handler.py): a hit answers with the stored message (a
 * stream replays its stored chunks) and never reaches the router; a miss
 * calls through and stores a successful answer — a stream only once it
 * ended normally. A hit costs 0 and is accounted as such.
 */
export class ResponseCache {
  readonly #settings: CacheSettings;
  readonly #store: CacheStore;
  readonly #accounting: CallAccounting;
  readonly #accessGroupsOf: ResponseCacheOptions["accessGroupsOf"];
  readonly #onLookup: ResponseCacheOptions["onLookup"];
  readonly #now: () => number;

  constructor(options: ResponseCacheOptions) {
    this.#settings = options.settings;
    this.#store = options.store;
    this.#accounting = options.accounting;
    this.#accessGroupsOf = options.accessGroupsOf;
    this.#onLookup = options.onLookup;
    this.#now = options.now ?? Date.now;
  }

  get store(): CacheStore {
    return this.#store;
  }

  /** A unary chat or text call through the cache. */
  async unary<Request extends DescMessage, Response extends DescMessage>(
    method: CachedMethod<Request, Response>,
    request: MessageShape<Request> & RequestFacts,
    context: HandlerContext,
    call: () => Promise<MessageShape<Response>>,
  ): Promise<MessageShape<Response>> {
    const plan = this.#methodPlan(method, request, context);
    if (!plan) return call();
    const kind = method.kind;
    const stored = await this.#stored(method, request, plan);
    if (stored?.length === 1) {
      const start = requestStart(context);
      const answer = stored[0] as MessageShape<Response> & Cached;
      const route = this.#hitHeaders(context, answer.route, plan.key);
      answer.route = route;
      if (answer.usage) answer.usage.costUsd = 0;
      this.#accounting.cacheHit(kind, false, request, context, start, {
        route,
        cacheKey: plan.key,
        usage: answer.usage,
      });
      return answer;
    }
    const answer = await call();
    if (plan.write) this.#write(plan, [toBinary(method.message, answer)]);
    return answer;
  }

  /**
   * A streamed chat or text call through the cache. A hit replays the
   * stored chunks (the same chunks, so the same shape); a miss relays the
   * upstream's and stores them once the stream ended normally.
   */
  async *stream<Request extends DescMessage, Chunk extends DescMessage>(
    method: CachedMethod<Request, Chunk>,
    request: MessageShape<Request> & RequestFacts,
    context: HandlerContext,
    open: () => AsyncGenerator<MessageShape<Chunk>>,
  ): AsyncGenerator<MessageShape<Chunk>> {
    const plan = this.#methodPlan(method, request, context);
    if (!plan) {
      yield* open();
      return;
    }
    const stored = await this.#stored(method, request, plan);
    if (stored && stored.length > 0) {
      yield* this.#replay(
        method.kind,
        request,
        context,
        plan.key,
        stored as (MessageShape<Chunk> & Cached)[],
      );
      return;
    }
    let chunks: Uint8Array[] | undefined = plan.write ? [] : undefined;
    let bytes = 0;
    for await (const chunk of open()) {
      if (chunks) {
        const encoded = toBinary(method.message, chunk);
        bytes += encoded.byteLength;
        chunks.push(encoded);
        // Too long to keep: let go of what was gathered rather than hold it to the end.
        if (bytes > MAX_ENTRY_BYTES) chunks = undefined;
      }
      yield chunk;
    }
    // Reached only when the upstream stream ended normally: a cut or failed stream threw above.
    if (chunks) this.#write(plan, chunks);
  }

  /**
   * Embeddings, cached per input as LiteLLM does: the inputs found are not
   * sent, the others go upstream in one call (`call` with the smaller
   * request), and the answer is put back together in input order.
   */
  async embeddings(
    request: CreateEmbeddingsRequest,
    context: HandlerContext,
    call: (request: CreateEmbeddingsRequest) => Promise<CreateEmbeddingsResponse>,
  ): Promise<CreateEmbeddingsResponse> {
    let common: string | undefined;
    const plan = this.#plan("embeddings", request, context, (namespace) => {
      common = commonEmbeddingParams(request);
      return embeddingInputKey(common, toJson(EmbeddingInputSchema, request.inputs[0]!), namespace);
    });
    if (!plan || request.inputs.length === 0 || common === undefined) return call(request);
    const commonParams = common;
    const keys = request.inputs.map((input, index) =>
      index === 0
        ? plan.key
        : embeddingInputKey(commonParams, toJson(EmbeddingInputSchema, input), plan.namespace),
    );
    if (keys.length === 1) context.responseHeader.set(CACHE_KEY_HEADER, plan.key);
    const found = plan.read
      ? await Promise.all(keys.map((key) => this.#read("embeddings", request.model, { ...plan, key })))
      : keys.map(() => undefined);
    const cached = found.map((entry) => {
      const stored = entry && decoded(CreateEmbeddingsResponseSchema, entry.messages);
      return stored?.length === 1 ? stored[0] : undefined;
    });
    const missing = cached.flatMap((answer, index) => (answer === undefined ? [index] : []));
    if (missing.length === 0) {
      const start = requestStart(context);
      const route = this.#hitHeaders(context, cached[0]!.route, plan.key);
      const usage = create(UsageSchema, {});
      usage.costUsd = 0;
      this.#accounting.cacheHit("embeddings", false, request, context, start, {
        route,
        cacheKey: plan.key,
        usage,
      });
      return create(CreateEmbeddingsResponseSchema, {
        model: cached[0]!.model,
        embeddings: cached.map((answer, index) => ({ index, values: answer!.embeddings[0]?.values ?? [] })),
        usage,
        route,
      });
    }
    const noneCached = missing.length === keys.length;
    const sent = noneCached
      ? request
      : create(CreateEmbeddingsRequestSchema, {
          ...request,
          inputs: missing.map((index) => request.inputs[index]!),
        });
    const answer = await call(sent);
    if (plan.write) {
      answer.embeddings.forEach((embedding, position) => {
        const index = missing[embedding.index] ?? missing[position];
        if (index === undefined) return;
        const one = create(CreateEmbeddingsResponseSchema, {
          model: answer.model,
          embeddings: [{ index: 0, values: embedding.values }],
          route: answer.route,
        });
        this.#write({ ...plan, key: keys[index]! }, [toBinary(CreateEmbeddingsResponseSchema, one)]);
      });
    }
    if (noneCached) return answer;
    const fresh = new Map(
      answer.embeddings.map((embedding, position) => [
        missing[embedding.index] ?? missing[position],
        embedding,
      ]),
    );
    answer.embeddings = cached.map((hit, index) =>
      create(EmbeddingSchema, {
        index,
        values: hit ? (hit.embeddings[0]?.values ?? []) : (fresh.get(index)?.values ?? []),
      }),
    );
    return answer;
  }

  /** Removes entries by their keys (POST /cache/delete); resolves with how many there were. */
  delete(keys: readonly string[]): Promise<number> {
    return this.#store.delete(keys);
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  /** Undefined when this request does not use the cache. */
  #plan(
    kind: CallKind,
    request: RequestFacts,
    context: HandlerContext,
    key: (namespace: string | undefined) => string,
  ): CachePlan | undefined {
    const settings = this.#settings;
    if (!settings.callKinds.has(kind) || request.model.startsWith(AGENT_MODEL_PREFIX)) return undefined;
    const control = callControlOf(request, context);
    // A mock answer is not the model's: neither read nor stored.
    if (
      control?.mockResponse !== undefined ||
      control?.mockTestingFallbacks ||
      control?.mockTestingRateLimitError
    )
      return undefined;
    const cache = withCacheControlHeader(control?.cache, context.requestHeader.get("cache-control"));
    if (settings.defaultOff && cache?.useCache !== true) return undefined;
    if (cache?.useCache === false) return undefined;
    const namespace = cache?.namespace ?? settings.namespace;
    return {
      key: key(namespace),
      read: cache?.noCache !== true && this.#mayRead(request.model, context),
      write: cache?.noStore !== true,
      ttlSeconds: cache?.ttlSeconds ?? settings.ttlSeconds,
      maxAgeMs: cache?.sMaxAgeSeconds === undefined ? undefined : cache.sMaxAgeSeconds * 1000,
      namespace,
    };
  }

  /** A chat or text call's plan, its key already in the answer's headers; undefined as for #plan. */
  #methodPlan<Request extends DescMessage>(
    method: CachedMethod<Request, DescMessage>,
    request: MessageShape<Request> & RequestFacts,
    context: HandlerContext,
  ): CachePlan | undefined {
    const plan = this.#plan(method.kind, request, context, (namespace) =>
      cacheKey(method.kind, method.stream, method.request, request, namespace),
    );
    if (plan) context.responseHeader.set(CACHE_KEY_HEADER, plan.key);
    return plan;
  }

  /** The stored answer (or chunks) of a chat or text call, when there is a fresh one it may read. */
  async #stored<Message extends DescMessage>(
    method: CachedMethod<DescMessage, Message>,
    request: RequestFacts,
    plan: CachePlan,
  ): Promise<MessageShape<Message>[] | undefined> {
    const entry = await this.#read(method.kind, request.model, plan);
    return entry && decoded(method.message, entry.messages);
  }

  /** A virtual key limited to some models reads only entries of models it may call (the call itself would check). */
  #mayRead(model: string, context: HandlerContext): boolean {
    const principal = context.values.get(principalKey);
    if (principal.kind !== "virtual_key" || mayUseAllModels(principal.key)) return true;
    return mayUseModel(principal.key, model, this.#accessGroupsOf(model));
  }

  async #read(kind: CallKind, model: string, plan: CachePlan): Promise<CacheEntry | undefined> {
    if (!plan.read) return undefined;
    const bytes = await this.#store.get(plan.key);
    const entry = bytes && decodeEntry(bytes);
    const fresh = entry && (plan.maxAgeMs === undefined || this.#now() - entry.storedAt <= plan.maxAgeMs);
    this.#onLookup?.(kind, model, Boolean(fresh));
    return fresh ? entry : undefined;
  }

  #write(plan: CachePlan, messages: readonly Uint8Array[]): void {
    const bytes = encodeEntry({ storedAt: this.#now(), messages });
    // Not awaited: the caller has its answer; a store that cannot take it loses it quietly.
    void this.#store.set(plan.key, bytes, plan.ttlSeconds);
  }

  async *#replay<Chunk extends Cached>(
    kind: CallKind,
    request: RequestFacts,
    context: HandlerContext,
    key: string,
    chunks: readonly Chunk[],
  ): AsyncGenerator<Chunk> {
    const start = requestStart(context);
    let route: RouteInfo | undefined;
    let usage: Usage | undefined;
    let timeToFirstTokenMs: number | undefined;
    try {
      for (const chunk of chunks) {
        if (route === undefined) {
          route = this.#hitHeaders(context, chunk.route, key);
          chunk.route = route;
          timeToFirstTokenMs = performance.now() - start;
        } else chunk.route = undefined;
        if (chunk.usage) {
          chunk.usage.costUsd = 0;
          usage = chunk.usage;
        }
        yield chunk;
      }
    } finally {
      if (route)
        this.#accounting.cacheHit(kind, true, request, context, start, {
          route,
          cacheKey: key,
          usage,
          timeToFirstTokenMs,
        });
    }
  }

  /** The route of a hit (a new call id, the group that answered first) and its headers. */
  #hitHeaders(context: HandlerContext, stored: RouteInfo | undefined, key: string): RouteInfo {
    const route = create(RouteInfoSchema, {
      callId: randomUUID(),
      modelGroup: stored?.modelGroup ?? "",
      deploymentId: stored?.deploymentId ?? "",
      provider: stored?.provider ?? "",
    });
    const headers = context.responseHeader;
    headers.set(CACHE_KEY_HEADER, key);
    headers.set(ROUTE_HEADERS.callId, route.callId);
    headers.set(ROUTE_HEADERS.modelGroup, route.modelGroup);
    headers.set(ROUTE_HEADERS.deploymentId, route.deploymentId);
    for (const name of COST_HEADERS) headers.set(name, "0");
    return route;
  }
}

/** Fields of an answer the cache rewrites on a hit. */
interface Cached {
  route?: RouteInfo;
  usage?: Usage;
}

/** An embeddings request's parameters but its inputs: what every input's key shares. */
function commonEmbeddingParams(request: CreateEmbeddingsRequest): string {
  return JSON.stringify(answerParams(CreateEmbeddingsRequestSchema, request, ["inputs"]));
}

/** The stored messages, or undefined when they do not decode (another writer's value): a miss, not a failure. */
function decoded<Schema extends DescMessage>(
  schema: Schema,
  messages: readonly Uint8Array[],
): MessageShape<Schema>[] | undefined {
  try {
    return messages.map((bytes) => fromBinary(schema, bytes));
  } catch {
    return undefined;
  }
}

function requestStart(context: HandlerContext): number {
  return context.values.get(requestStartKey) || performance.now();
}
