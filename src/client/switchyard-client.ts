import type { MessageInitShape } from "@bufbuild/protobuf";
import { type CallOptions, type Client, createClient, type Transport } from "@connectrpc/connect";
import { AgentService } from "../../gen/switchyard/v1/agent_pb.js";
import { type ChatMessage, type ChatMessageSchema, Role } from "../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatCompletionRequestSchema,
  CompletionService,
} from "../../gen/switchyard/v1/completion_pb.js";
import { CredentialService } from "../../gen/switchyard/v1/credential_pb.js";
import { KeyService } from "../../gen/switchyard/v1/key_pb.js";
import { ModelService } from "../../gen/switchyard/v1/model_pb.js";
import { PromptService } from "../../gen/switchyard/v1/prompt_pb.js";
import { apiKeyFromEnvironment, withApiKey } from "./api-key-transport.js";
import { type RouteMetadata, routeFromHeaders } from "./route-metadata.js";

export interface SwitchyardClientOptions {
  /** The gateway key; default SWITCHYARD_API_KEY (Node). Empty: calls carry none. */
  readonly apiKey?: string;
}

/** A chat completion, its first choice's text, and the call's route metadata. */
export interface ChatReply {
  readonly completion: ChatCompletion;
  readonly text: string;
  readonly route: RouteMetadata;
}

/** A chat request: one user text, or the messages and any other ChatCompletionRequest fields. */
export type ChatInput = string | Omit<ChatRequestInit, "model">;

/** A ChatCompletionRequest as a plain object (not a message already built with `create`). */
type ChatRequestInit = Exclude<MessageInitShape<typeof ChatCompletionRequestSchema>, ChatCompletionRequest>;

/** Connect's CallOptions, and `onRoute`: told the route metadata when the response headers arrive. */
export type StreamOptions = CallOptions & { readonly onRoute?: (route: RouteMetadata) => void };

/**
 * The generated clients over one transport, every call with the gateway key, and helpers
 * for the common calls. `options` on each helper are Connect's CallOptions: `signal`,
 * `timeoutMs` (the deadline the gateway passes on to the upstream call), `headers`.
 */
export interface SwitchyardClient {
  readonly completion: Client<typeof CompletionService>;
  readonly credentials: Client<typeof CredentialService>;
  readonly agents: Client<typeof AgentService>;
  readonly keys: Client<typeof KeyService>;
  readonly prompts: Client<typeof PromptService>;
  /** Deployments stored through the API (admin). */
  readonly models: Client<typeof ModelService>;
  chat(model: string, input: ChatInput, options?: CallOptions): Promise<ChatReply>;
  /** The chunks as they arrive; `onRoute` is told the route metadata before the first. */
  streamChat(model: string, input: ChatInput, options?: StreamOptions): AsyncIterable<ChatCompletionChunk>;
  /** The first choice's text, delta by delta. */
  streamText(model: string, input: ChatInput, options?: StreamOptions): AsyncIterable<string>;
  /** One vector per text, in order. */
  embed(model: string, texts: readonly string[], options?: CallOptions): Promise<number[][]>;
}

/**
 * A client on any Connect transport: `createGrpcTransport` / `createConnectTransport` from
 * `@connectrpc/connect-node` in Node, `createGrpcWebTransport` / `createConnectTransport`
 * from `@connectrpc/connect-web` in browsers.
 */
export function createSwitchyardClient(
  transport: Transport,
  options: SwitchyardClientOptions = {},
): SwitchyardClient {
  const apiKey = options.apiKey ?? apiKeyFromEnvironment();
  const authenticated = apiKey ? withApiKey(transport, apiKey) : transport;
  const completion = createClient(CompletionService, authenticated);

  const streamChat: SwitchyardClient["streamChat"] = (model, input, callOptions = {}) => {
    const { onRoute, ...rest } = callOptions;
    return completion.streamChatCompletion(chatRequest(model, input), {
      ...rest,
      onHeader: (headers) => {
        rest.onHeader?.(headers);
        onRoute?.(routeFromHeaders(headers));
      },
    });
  };

  return {
    completion,
    credentials: createClient(CredentialService, authenticated),
    agents: createClient(AgentService, authenticated),
    keys: createClient(KeyService, authenticated),
    prompts: createClient(PromptService, authenticated),
    models: createClient(ModelService, authenticated),
    async chat(model, input, callOptions = {}) {
      let route = routeFromHeaders(new Headers());
      const reply = await completion.createChatCompletion(chatRequest(model, input), {
        ...callOptions,
        onHeader: (headers) => {
          callOptions.onHeader?.(headers);
          route = routeFromHeaders(headers);
        },
      });
      return { completion: reply, text: messageText(reply.choices[0]?.message), route };
    },
    streamChat,
    async *streamText(model, input, callOptions) {
      for await (const chunk of streamChat(model, input, callOptions)) {
        for (const choice of chunk.choices) {
          if (choice.index === 0 && choice.content !== "") yield choice.content;
        }
      }
    },
    async embed(model, texts, callOptions) {
      const response = await completion.createEmbeddings(
        { model, inputs: texts.map((text) => ({ input: { case: "text", value: text } })) },
        callOptions,
      );
      return [...response.embeddings]
        .sort((left, right) => left.index - right.index)
        .map((embedding) => embedding.values);
    },
  };
}

/** A user message with one text part. */
export function userMessage(text: string): MessageInitShape<typeof ChatMessageSchema> {
  return { role: Role.USER, content: [{ part: { case: "text", value: text } }] };
}

function chatRequest(model: string, input: ChatInput): ChatRequestInit {
  return typeof input === "string" ? { model, messages: [userMessage(input)] } : { ...input, model };
}

function messageText(message: ChatMessage | undefined): string {
  let text = "";
  for (const content of message?.content ?? []) if (content.part.case === "text") text += content.part.value;
  return text;
}
