import { createRegistry, type DescFile, type Registry, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

type ReflectionRequest = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

/** The `message_response` oneof; v1 and v1alpha share its shape, so one answer serves both. */
type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** What reflection knows, built from the router's services plus the extra files. */
interface Schema {
  serviceNames: { name: string }[];
  filesByName: Map<string, DescFile>;
  registry: Registry;
}

/**
 * Registers gRPC server reflection, both `grpc.reflection.v1.ServerReflection` and the older
 * `grpc.reflection.v1alpha.ServerReflection` (still used by some grpcurl versions).
 *
 * Services are read from `router.handlers` when requests arrive, so services registered after this
 * call are listed too. `files` adds schema files beyond those of the registered services (for
 * example files that only declare messages). Dependencies, well-known types included, are found
 * through `DescFile.dependencies`.
 */
export function registerReflectionService(router: ConnectRouter, files: readonly DescFile[]): void {
  let schema: Schema | undefined;
  let indexedHandlers = -1;
  // Services are registered at startup, so the index is rebuilt at most a few times.
  const currentSchema = (): Schema => {
    if (schema === undefined || indexedHandlers !== router.handlers.length) {
      schema = indexSchema(router, files);
      indexedHandlers = router.handlers.length;
    }
    return schema;
  };

  async function* serverReflectionInfo<Request extends ReflectionRequest>(requests: AsyncIterable<Request>) {
    for await (const request of requests) {
      yield {
        validHost: request.host,
        originalRequest: request,
        messageResponse: answer(request.messageRequest, currentSchema()),
      };
    }
  }
  router.service(v1.ServerReflection, { serverReflectionInfo });
  router.service(v1alpha.ServerReflection, { serverReflectionInfo });
}

function answer(messageRequest: ReflectionRequest["messageRequest"], schema: Schema): ReflectionAnswer {
  switch (messageRequest.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: schema.serviceNames } };
    case "fileByFilename":
      return fileAnswer(schema.filesByName.get(messageRequest.value), messageRequest.value);
    case "fileContainingSymbol":
      return fileAnswer(fileContaining(schema.registry, messageRequest.value), messageRequest.value);
    default:
      // Extensions: our schema declares none that clients need; answer rather than hang.
      return {
        case: "errorResponse",
        value: { errorCode: Code.Unimplemented, errorMessage: `${messageRequest.case} is not supported` },
      };
  }
}

function fileAnswer(file: DescFile | undefined, requested: string): ReflectionAnswer {
  if (file === undefined) {
    return {
      case: "errorResponse",
      value: { errorCode: Code.NotFound, errorMessage: `not found: ${requested}` },
    };
  }
  const fileDescriptorProto = withDependencies([file]).map((each) =>
    toBinary(FileDescriptorProtoSchema, each.proto),
  );
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto } };
}

/** Finds the file declaring a type, or a member of one (`pkg.Service.Method`, `pkg.Message.field`). */
function fileContaining(registry: Registry, symbol: string): DescFile | undefined {
  const found = registry.get(symbol);
  if (found !== undefined) return found.file;
  const dot = symbol.lastIndexOf(".");
  if (dot < 0) return undefined;
  const parent = registry.get(symbol.slice(0, dot));
  const member = symbol.slice(dot + 1);
  if (parent?.kind === "service" && parent.methods.some((method) => method.name === member))
    return parent.file;
  if (parent?.kind === "message" && parent.fields.some((field) => field.name === member)) return parent.file;
  return undefined;
}

function indexSchema(router: ConnectRouter, files: readonly DescFile[]): Schema {
  const names = new Set<string>();
  const roots = [
    ...files,
    v1.file_grpc_reflection_v1_reflection,
    v1alpha.file_grpc_reflection_v1alpha_reflection,
  ];
  for (const handler of router.handlers) {
    names.add(handler.service.typeName);
    roots.push(handler.service.file);
  }
  const allFiles = withDependencies(roots);
  return {
    serviceNames: [...names].sort().map((name) => ({ name })),
    filesByName: new Map(allFiles.map((file) => [file.proto.name, file])),
    registry: createRegistry(...allFiles),
  };
}

/** `roots` followed by their transitive dependencies, each file once, roots first. */
function withDependencies(roots: readonly DescFile[]): DescFile[] {
  const seen = new Set<DescFile>();
  const visit = (file: DescFile) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dependency of file.dependencies) visit(dependency);
  };
  for (const root of roots) seen.add(root);
  for (const root of roots) for (const dependency of root.dependencies) visit(dependency);
  return [...seen];
}
