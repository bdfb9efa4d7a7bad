import type { DescMessage, DescService, MessageShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";

type Handler<Method> = Method extends {
  methodKind: infer Kind;
  input: infer Input extends DescMessage;
  output: infer Output extends DescMessage;
}
  ? Kind extends "server_streaming"
    ? (request: MessageShape<Input>, context: HandlerContext) => AsyncGenerator<MessageShape<Output>>
    : (request: MessageShape<Input>, context: HandlerContext) => Promise<MessageShape<Output>>
  : never;

/**
 * A service's handlers with its concrete message types, derived from the
 * generated descriptor: assignable to ServiceImpl, and what the REST shims and
 * tRPC routers call in process (they read the answers' fields, which
 * ServiceImpl's init shapes would not promise). Unary and server-streaming
 * methods only.
 */
export type ServiceHandlers<Service extends DescService> = {
  [Name in keyof Service["method"]]: Handler<Service["method"][Name]>;
};
