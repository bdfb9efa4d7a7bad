import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import {
  type ServerReflectionRequest,
  ServerReflection as ServerReflectionV1alpha,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { CompletionService, file_switchyard_v1_completion } from "../../gen/switchyard/v1/completion_pb.js";
import { type Listener, listen } from "../../src/server/listen.js";
import { HealthState, registerHealthService, ServingStatus } from "../../src/services/grpc-health.js";
import { registerReflectionService } from "../../src/services/grpc-reflection.js";

const buf = path.resolve("node_modules/.bin/buf");
const run = promisify(execFile);

let listener: Listener;
const health = new HealthState([
  ["", ServingStatus.SERVING],
  ["switchyard.v1.CompletionService", ServingStatus.SERVING],
]);

beforeAll(async () => {
  const routes = (router: ConnectRouter) => {
    // Reflection first: it must still list services registered after it.
    registerReflectionService(router, []);
    router.service(CompletionService, {
      listModels: () => ({ models: [{ id: "gpt-test", ownedBy: "switchyard", deploymentCount: 2 }] }),
    });
    registerHealthService(router, health);
  };
  listener = await listen(connectNodeAdapter({ routes }), { port: 0, host: "127.0.0.1" });
});
afterAll(() => listener.close(0));

async function bufCurl(...args: string[]): Promise<string> {
  const { stdout } = await run(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], {
    timeout: 20_000,
  });
  return stdout;
}

describe("gRPC reflection with buf curl", () => {
  it("lists every registered service", async () => {
    const services = (await bufCurl("--list-services", listener.url)).trim().split("\n");
    expect(services).toEqual(
      expect.arrayContaining([
        "switchyard.v1.CompletionService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]),
    );
  });

  it("lists the methods of every service, reflection's own included", async () => {
    const methods = (await bufCurl("--list-methods", listener.url)).trim().split("\n");
    expect(methods).toEqual(
      expect.arrayContaining([
        "switchyard.v1.CompletionService/ListModels",
        "switchyard.v1.CompletionService/StreamChatCompletion",
        "grpc.health.v1.Health/Watch",
        "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      ]),
    );
  });

  it("calls a method using the schema fetched by reflection", async () => {
    const output = await bufCurl(`${listener.url}/switchyard.v1.CompletionService/ListModels`);
    expect(JSON.parse(output)).toEqual({
      models: [{ id: "gpt-test", ownedBy: "switchyard", deploymentCount: 2 }],
    });
  });
});

describe("gRPC health", () => {
  const client = () => createClient(Health, createGrpcTransport({ baseUrl: listener.url }));

  it("reports SERVING for the server and for a registered service", async () => {
    expect((await client().check({ service: "" })).status).toBe(ServingStatus.SERVING);
    const completion = await client().check({ service: "switchyard.v1.CompletionService" });
    expect(completion.status).toBe(ServingStatus.SERVING);
  });

  it("answers NotFound for an unknown service", async () => {
    const error = await client()
      .check({ service: "no.such.Service" })
      .catch((caught: unknown) => caught);
    expect(ConnectError.from(error).code).toBe(Code.NotFound);
  });

  it("streams the current status, then changes, to a watcher", async () => {
    const watcher = new AbortController();
    const seen: ServingStatus[] = [];
    try {
      for await (const update of client().watch({ service: "watched" }, { signal: watcher.signal })) {
        seen.push(update.status);
        if (seen.length === 1) health.set("watched", ServingStatus.SERVING);
        if (seen.length === 2) health.set("watched", ServingStatus.NOT_SERVING);
        if (seen.length === 3) watcher.abort();
      }
    } catch (error) {
      expect(ConnectError.from(error).code).toBe(Code.Canceled);
    }
    expect(seen).toEqual([ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });
});

describe("gRPC reflection v1alpha over the Connect protocol", () => {
  it("answers each request in order: services, a file with its dependencies, errors", async () => {
    const transport = createConnectTransport({ baseUrl: listener.url, httpVersion: "2" });
    const client = createClient(ServerReflectionV1alpha, transport);
    const requests: ServerReflectionRequest["messageRequest"][] = [
      { case: "listServices", value: "" },
      { case: "fileContainingSymbol", value: "switchyard.v1.CompletionService.ListModels" },
      { case: "fileByFilename", value: "no/such/file.proto" },
      { case: "allExtensionNumbersOfType", value: "switchyard.v1.Model" },
    ];
    async function* send() {
      for (const messageRequest of requests) yield { host: "", messageRequest };
    }
    const answers = [];
    for await (const response of client.serverReflectionInfo(send())) answers.push(response.messageResponse);

    expect(answers.map((answer) => answer.case)).toEqual([
      "listServicesResponse",
      "fileDescriptorResponse",
      "errorResponse",
      "errorResponse",
    ]);
    const [list, file, missing, unsupported] = answers;
    if (list?.case !== "listServicesResponse") throw new Error("expected a service list");
    expect(list.value.service.map((service) => service.name)).toContain("switchyard.v1.CompletionService");
    if (file?.case !== "fileDescriptorResponse") throw new Error("expected file descriptors");
    const names = file.value.fileDescriptorProto.map(
      (bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name,
    );
    expect(names[0]).toBe(file_switchyard_v1_completion.proto.name);
    expect(names).toEqual(
      expect.arrayContaining(["switchyard/v1/chat.proto", "google/protobuf/struct.proto"]),
    );
    if (missing?.case !== "errorResponse") throw new Error("expected an error");
    expect(missing.value).toMatchObject({ errorCode: Code.NotFound });
    if (unsupported?.case !== "errorResponse") throw new Error("expected an error");
    expect(unsupported.value).toMatchObject({ errorCode: Code.Unimplemented });
  });
});

describe("gRPC health at shutdown", () => {
  it("ends a Watch once it has sent NOT_SERVING, so it cannot hold the connection open", async () => {
    const state = new HealthState();
    const shutdownListener = await listen(
      connectNodeAdapter({ routes: (router) => registerHealthService(router, state) }),
      { port: 0, host: "127.0.0.1" },
    );
    try {
      const watcher = createClient(Health, createGrpcTransport({ baseUrl: shutdownListener.url }));
      const seen: ServingStatus[] = [];
      for await (const update of watcher.watch({ service: "" })) {
        seen.push(update.status);
        if (seen.length === 1) {
          state.setAll(ServingStatus.NOT_SERVING);
          state.close();
        }
      }
      expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    } finally {
      await shutdownListener.close(0);
    }
  });
});
