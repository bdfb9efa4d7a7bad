import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/switchyard/v1/agent_pb.js";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { CredentialService } from "../../gen/switchyard/v1/credential_pb.js";
import { type Fixture, startFixture } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

let fixture: Fixture;
const auth = () => ({ authorization: `Bearer ${MASTER_KEY}` });

beforeAll(async () => {
  fixture = await startFixture();
});
afterAll(() => fixture.close());

const transports: Record<string, () => Transport> = {
  "gRPC over h2c": () => createGrpcTransport({ baseUrl: fixture.gateway.url }),
  "gRPC-web over HTTP/1.1": () =>
    createGrpcWebTransport({ baseUrl: fixture.gateway.url, httpVersion: "1.1" }),
  "Connect JSON over HTTP/1.1": () =>
    createConnectTransport({ baseUrl: fixture.gateway.url, httpVersion: "1.1", useBinaryFormat: false }),
  "Connect binary over h2c": () => createConnectTransport({ baseUrl: fixture.gateway.url, httpVersion: "2" }),
};

const userMessage = (text: string) => ({
  role: Role.USER,
  content: [{ part: { case: "text" as const, value: text } }],
});

describe.each(Object.entries(transports))("CompletionService via %s", (_name, makeTransport) => {
  let client: Client<typeof CompletionService>;
  beforeAll(() => {
    client = createClient(CompletionService, makeTransport());
  });

  it("gets the same answer as the REST shim, with route headers", async () => {
    let headers: Headers | undefined;
    const completion = await client.createChatCompletion(
      { model: "gpt-test", messages: [userMessage("same answer everywhere")] },
      { headers: auth(), onHeader: (received) => (headers = received) },
    );
    const text = completion.choices[0]?.message?.content[0]?.part;
    expect(text).toEqual({ case: "text", value: "echo: same answer everywhere" });
    expect(completion.route?.modelGroup).toBe("gpt-test");
    expect(completion.usage?.totalTokens).toBeGreaterThan(0);
    expect(headers?.get("x-litellm-model-group")).toBe("gpt-test");
    expect(headers?.get("x-litellm-call-id")).toBe(completion.route?.callId);
  });

  it("streams deltas that add up to the answer", async () => {
    let text = "";
    let chunks = 0;
    for await (const chunk of client.streamChatCompletion(
      { model: "gpt-test", messages: [userMessage("stream over rpc")] },
      { headers: auth() },
    )) {
      chunks++;
      for (const choice of chunk.choices) text += choice.content;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe("echo: stream over rpc");
  });

  it("lists models and embeds", async () => {
    const { models } = await client.listModels({}, { headers: auth() });
    expect(models.map((model) => model.id)).toContain("gpt-test");
    const embeddings = await client.createEmbeddings(
      { model: "gpt-test", inputs: [{ input: { case: "text", value: "vector" } }] },
      { headers: auth() },
    );
    expect(embeddings.embeddings[0]?.values.length).toBeGreaterThan(0);
  });

  it("refuses a call without the master key with UNAUTHENTICATED", async () => {
    const error = await client.listModels({}).catch((reason: unknown) => ConnectError.from(reason));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("maps an unknown model to NOT_FOUND and a bad request to INVALID_ARGUMENT", async () => {
    const notFound = await client
      .createChatCompletion({ model: "nope", messages: [userMessage("x")] }, { headers: auth() })
      .catch((reason: unknown) => ConnectError.from(reason));
    expect((notFound as ConnectError).code).toBe(Code.NotFound);
    const invalid = await client
      .createChatCompletion({ model: "gpt-test", messages: [] }, { headers: auth() })
      .catch((reason: unknown) => ConnectError.from(reason));
    expect((invalid as ConnectError).code).toBe(Code.InvalidArgument);
  });
});

describe("RPC cancellation and the contract-first services", () => {
  it("aborts the upstream request when a gRPC client cancels mid-stream", async () => {
    const client = createClient(CompletionService, createGrpcTransport({ baseUrl: fixture.gateway.url }));
    const controller = new AbortController();
    const stream = client.streamChatCompletion(
      { model: "slow-stream", messages: [userMessage("a long answer that trickles out")] },
      { headers: auth(), signal: controller.signal },
    );
    const aborted = fixture.upstream.nextAbort();
    for await (const chunk of stream) {
      if (chunk.choices.length > 0) break;
    }
    controller.abort();
    const request = await aborted;
    expect(request.aborted).toBe(true);
    expect((request.body as { model: string }).model).toBe("slow-stream-30");
  });

  it("answers CredentialService writes and AgentService with UNAVAILABLE without a database", async () => {
    const transport = createGrpcTransport({ baseUrl: fixture.gateway.url });
    const credentials = createClient(CredentialService, transport);
    const agents = createClient(AgentService, transport);
    const codes = await Promise.all([
      // Reads answer the config's credentials; storing one needs the database.
      credentials
        .createCredential(
          {
            credential: { credentialName: "needs-a-store", credentialValues: { api_key: "sk-none-000000" } },
          },
          { headers: auth() },
        )
        .catch((reason: unknown) => ConnectError.from(reason).code),
      agents.listAgents({}, { headers: auth() }).catch((reason: unknown) => ConnectError.from(reason).code),
    ]);
    expect(codes).toEqual([Code.Unavailable, Code.Unavailable]);
  });
});

describe("an independent gRPC client (@grpc/grpc-js with proto-loader on proto/)", () => {
  interface GrpcCompletionClient extends grpc.Client {
    CreateChatCompletion(
      request: unknown,
      metadata: grpc.Metadata,
      callback: (error: grpc.ServiceError | null, response: GrpcCompletion) => void,
    ): void;
    StreamChatCompletion(request: unknown, metadata: grpc.Metadata): grpc.ClientReadableStream<GrpcChunk>;
  }
  interface GrpcCompletion {
    choices: { message: { content: { text?: string }[] } }[];
  }
  interface GrpcChunk {
    choices: { content: string }[];
  }

  let client: GrpcCompletionClient;
  const metadata = () => {
    const value = new grpc.Metadata();
    value.set("authorization", `Bearer ${MASTER_KEY}`);
    return value;
  };
  const request = (text: string) => ({
    model: "gpt-test",
    messages: [{ role: "ROLE_USER", content: [{ text }] }],
  });

  beforeAll(async () => {
    const definition = await protoLoader.load("switchyard/v1/completion.proto", {
      includeDirs: ["proto"],
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      switchyard: {
        v1: {
          CompletionService: new (
            address: string,
            credentials: grpc.ChannelCredentials,
          ) => GrpcCompletionClient;
        };
      };
    };
    client = new loaded.switchyard.v1.CompletionService(
      new URL(fixture.gateway.url).host,
      grpc.credentials.createInsecure(),
    );
  });
  afterAll(() => client.close());

  it("gets the same unary answer", async () => {
    const response = await new Promise<GrpcCompletion>((resolve, reject) =>
      client.CreateChatCompletion(request("from grpc-js"), metadata(), (error, value) =>
        error ? reject(error) : resolve(value),
      ),
    );
    expect(response.choices[0]?.message.content[0]?.text).toBe("echo: from grpc-js");
  });

  it("gets the same streamed answer", async () => {
    let text = "";
    for await (const chunk of client.StreamChatCompletion(request("streamed to grpc-js"), metadata())) {
      for (const choice of (chunk as GrpcChunk).choices) text += choice.content;
    }
    expect(text).toBe("echo: streamed to grpc-js");
  });

  it("sees UNAUTHENTICATED without a key", async () => {
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      client.CreateChatCompletion(request("x"), new grpc.Metadata(), (failure) => resolve(failure!)),
    );
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.details).toBe("No API key provided. Send it as 'Authorization: Bearer <key>'.");
  });

  it("reads grpc-message as written: reserved characters plain, only what the spec requires escaped", async () => {
    const invalid = await new Promise<grpc.ServiceError>((resolve) =>
      client.CreateChatCompletion(
        { model: "gpt-test", messages: [{ content: [{ text: "no role" }] }] },
        metadata(),
        (failure) => resolve(failure!),
      ),
    );
    expect(invalid.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(invalid.details).toContain("role must be one of system, developer, user, assistant, tool");
    const notFound = await new Promise<grpc.ServiceError>((resolve) =>
      client.CreateChatCompletion(
        { model: "100% ünknown/model", messages: [{ role: "ROLE_USER", content: [{ text: "x" }] }] },
        metadata(),
        (failure) => resolve(failure!),
      ),
    );
    expect(notFound.code).toBe(grpc.status.NOT_FOUND);
    expect(notFound.details).toContain("100% ünknown/model");
  });
});
