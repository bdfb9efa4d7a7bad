/**
 * Drives the TypeScript client (src/client, exported as switchyard/client) against a gateway
 * for test/clients/clients.test.ts, as the Python and Go programs drive theirs.
 *
 * Usage: tsx check-client.ts TARGET COMMAND ARGS…; the key comes from SWITCHYARD_API_KEY.
 * Prints one JSON object: the call's outcome, or {"code", "details"} when the call fails.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  createSwitchyardClient,
  type RouteMetadata,
  type SwitchyardClient,
} from "../../../src/client/index.js";

type Command = (client: SwitchyardClient, args: string[]) => Promise<unknown>;

const routeJson = (route: RouteMetadata | undefined) => ({
  callId: route?.callId,
  modelGroup: route?.modelGroup,
  deploymentId: route?.deploymentId,
  overheadMs: route?.overheadMs,
  attemptedRetries: route?.attemptedRetries,
});

const commands: Record<string, Command> = {
  async chat(client, [model, text]) {
    const reply = await client.chat(model!, text!);
    return {
      text: reply.text,
      route: routeJson(reply.route),
      totalTokens: reply.completion.usage?.totalTokens,
    };
  },
  async stream(client, [model, text]) {
    let route: RouteMetadata | undefined;
    const deltas: string[] = [];
    for await (const delta of client.streamText(model!, text!, {
      onRoute: (received) => (route = received),
    })) {
      deltas.push(delta);
    }
    return { deltas: deltas.length, text: deltas.join(""), route: routeJson(route) };
  },
  async embed(client, [model, ...texts]) {
    const vectors = await client.embed(model!, texts);
    return { count: vectors.length, dimensions: vectors.map((vector) => vector.length) };
  },
  async credential(client, [name, apiKey]) {
    await client.credentials.createCredential({
      credential: { credentialName: name!, credentialValues: { api_key: apiKey! } },
    });
    const { credential } = await client.credentials.getCredential({ credentialName: name! });
    return { name: credential?.credentialName, values: credential?.credentialValues };
  },
  async model(client, [name, apiBase, apiKey]) {
    const { deployment } = await client.models.createDeployment({
      deployment: {
        modelName: name!,
        litellmParams: { model: "openai/gpt-4o-mini", api_base: apiBase!, api_key: apiKey! },
      },
    });
    const reply = await client.chat(name!, "stored");
    await client.models.deleteDeployment({ modelId: deployment!.modelId });
    return { apiKey: deployment?.litellmParams?.api_key, text: reply.text };
  },
  async agent(client, [name, text]) {
    const { result } = await client.agents.sendAgentMessage({
      agentName: name!,
      message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: text! }] },
    });
    const task = result?.task as {
      status: { state: string };
      artifacts: { parts: { text?: string }[] }[];
    };
    const parts = task.artifacts.flatMap((artifact) => artifact.parts);
    return { state: task.status.state, text: parts.map((part) => part.text ?? "").join("") };
  },
  async deadline(client, [model, seconds]) {
    await client.chat(model!, "never answered", { timeoutMs: Number(seconds) * 1000 });
    return { answered: true };
  },
};

/** Code.NotFound → "NOT_FOUND", as the other clients spell codes. */
const codeName = (code: Code) => Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();

const [target, command, ...args] = process.argv.slice(2);
const client = createSwitchyardClient(createGrpcTransport({ baseUrl: `http://${target}` }));
const result = await commands[command!]!(client, args).catch((reason: unknown) => {
  const error = ConnectError.from(reason);
  return { code: codeName(error.code), details: error.rawMessage };
});
console.log(JSON.stringify(result));
