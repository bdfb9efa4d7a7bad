import { randomUUID } from "node:crypto";
import { Role as A2ARole, type Message, type Part, TaskState } from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
  type TaskStore,
} from "@a2a-js/sdk/server";
import { create } from "@bufbuild/protobuf";
import { type ChatMessage, ChatMessageSchema, Role } from "../../gen/switchyard/v1/chat_pb.js";
import { ChatCompletionRequestSchema } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { CompletionHandlers } from "../services/completion-service.js";
import { createAgentHandlerContext } from "./a2a-handler-context.js";
import type { AgentDefinition } from "./agent-definition.js";
import { GatewayUser } from "./gateway-user.js";
import { RunningTurns } from "./running-turns.js";
import type { TaskCancellation } from "./task-cancellation.js";
import { failedUpdate, statusUpdate, turnTask } from "./task-events.js";

/** Earlier tasks of a context read back as conversation; more is cut (oldest first). */
const MAX_CONTEXT_TASKS = 100;

/**
 * Runs an agent backed by one of our model groups: the conversation so far
 * (every task of the context, oldest first, then this message) becomes chat
 * messages after the system prompt, and goes through the router in process.
 * Tokens are streamed as appends to one artifact, then the task completes.
 */
export class ModelAgentExecutor implements AgentExecutor {
  readonly #turns: RunningTurns;

  constructor(
    private readonly agent: AgentDefinition & { readonly model: string },
    private readonly completion: CompletionHandlers,
    private readonly taskStore: TaskStore,
    cancellation: TaskCancellation,
  ) {
    this.#turns = new RunningTurns(agent.name, cancellation);
  }

  async execute(requestContext: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = requestContext;
    const turn = this.#turns.begin(taskId, contextId, bus);
    const signal = turn.signal;
    try {
      const task = turnTask(requestContext);
      bus.publish(AgentEvent.task(task));
      bus.publish(AgentEvent.statusUpdate(statusUpdate(taskId, contextId, TaskState.TASK_STATE_WORKING)));
      const messages = await this.#conversation(requestContext);
      await this.#stream(requestContext, messages, signal, bus);
      if (signal.aborted) return;
      bus.publish(AgentEvent.statusUpdate(statusUpdate(taskId, contextId, TaskState.TASK_STATE_COMPLETED)));
    } catch (error) {
      // A canceled turn already has its CANCELED status, published when it was stopped.
      if (signal.aborted) return;
      bus.publish(
        AgentEvent.statusUpdate(failedUpdate(taskId, contextId, GatewayError.from(error).rawMessage)),
      );
    } finally {
      turn.end();
      bus.finished();
    }
  }

  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    this.#turns.cancel(taskId, bus);
  }

  async #stream(
    requestContext: RequestContext,
    messages: ChatMessage[],
    signal: AbortSignal,
    bus: ExecutionEventBus,
  ): Promise<void> {
    const { taskId, contextId } = requestContext;
    const user = requestContext.context.user;
    const principal = user instanceof GatewayUser ? user.principal : ({ kind: "anonymous" } as const);
    const request = create(ChatCompletionRequestSchema, { model: this.agent.model, messages });
    const artifactId = randomUUID();
    // One token held back, so the last one can carry lastChunk: true.
    let held: string | undefined;
    let first = true;
    const publish = (text: string, lastChunk: boolean) => {
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId,
            name: "response",
            description: "",
            parts: [textPart(text)],
            metadata: {},
            extensions: [],
          },
          append: !first,
          lastChunk,
          metadata: {},
        }),
      );
      first = false;
    };
    const context = createAgentHandlerContext(principal, signal);
    for await (const chunk of this.completion.streamChatCompletion(request, context)) {
      const text = chunk.choices[0]?.content;
      if (!text) continue;
      if (held !== undefined) publish(held, false);
      held = text;
    }
    if (signal.aborted) return;
    publish(held ?? "", true);
  }

  /** Earlier tasks of this context, oldest first, then this turn, after the system prompt. */
  async #conversation(requestContext: RequestContext): Promise<ChatMessage[]> {
    const messages: ChatMessage[] = [];
    if (this.agent.systemPrompt) messages.push(chatMessage(Role.SYSTEM, this.agent.systemPrompt));
    const earlier = await this.taskStore.list(
      {
        tenant: "",
        contextId: requestContext.contextId,
        status: 0,
        pageSize: MAX_CONTEXT_TASKS,
        pageToken: "",
        historyLength: undefined,
        statusTimestampAfter: undefined,
        includeArtifacts: true,
      },
      requestContext.context,
    );
    const tasks = earlier.tasks.filter((task) => task.id !== requestContext.taskId).reverse();
    if (requestContext.task) tasks.push(requestContext.task);
    for (const task of tasks) {
      for (const message of task.history) {
        if (message.messageId === requestContext.userMessage.messageId) continue;
        const text = messageText(message);
        if (text)
          messages.push(chatMessage(message.role === A2ARole.ROLE_AGENT ? Role.ASSISTANT : Role.USER, text));
      }
      const answer = task.artifacts.map((artifact) => partsText(artifact.parts)).join("");
      if (answer) messages.push(chatMessage(Role.ASSISTANT, answer));
    }
    messages.push(chatMessage(Role.USER, messageText(requestContext.userMessage)));
    return messages;
  }
}

function chatMessage(role: Role, text: string): ChatMessage {
  return create(ChatMessageSchema, { role, content: [{ part: { case: "text", value: text } }] });
}

function textPart(text: string): Part {
  return { content: { $case: "text", value: text }, mediaType: "text/plain", filename: "", metadata: {} };
}

function messageText(message: Message): string {
  return partsText(message.parts);
}

/** Text parts as they are, data parts as JSON; files are not sent to the model. */
function partsText(parts: readonly Part[]): string {
  let text = "";
  for (const part of parts) {
    const content = part.content;
    if (content?.$case === "text") text += content.value;
    else if (content?.$case === "data") text += JSON.stringify(content.value);
  }
  return text;
}
