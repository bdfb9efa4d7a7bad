import { Code, ConnectError } from "@connectrpc/connect";
import { type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import { GatewayError } from "../errors/gateway-error.js";

/** Connect codes as tRPC codes; the HTTP status follows from the tRPC code. */
const trpcCodes: Record<Code, TRPC_ERROR_CODE_KEY> = {
  [Code.Canceled]: "CLIENT_CLOSED_REQUEST",
  [Code.Unknown]: "INTERNAL_SERVER_ERROR",
  [Code.InvalidArgument]: "BAD_REQUEST",
  [Code.DeadlineExceeded]: "TIMEOUT",
  [Code.NotFound]: "NOT_FOUND",
  [Code.AlreadyExists]: "CONFLICT",
  [Code.PermissionDenied]: "FORBIDDEN",
  [Code.ResourceExhausted]: "TOO_MANY_REQUESTS",
  [Code.FailedPrecondition]: "PRECONDITION_FAILED",
  [Code.Aborted]: "CONFLICT",
  [Code.OutOfRange]: "BAD_REQUEST",
  [Code.Unimplemented]: "NOT_IMPLEMENTED",
  [Code.Internal]: "INTERNAL_SERVER_ERROR",
  [Code.Unavailable]: "SERVICE_UNAVAILABLE",
  [Code.DataLoss]: "INTERNAL_SERVER_ERROR",
  [Code.Unauthenticated]: "UNAUTHORIZED",
};

/**
 * A service's error as the tRPC error callers see: the matching tRPC code
 * and the service's own message. tRPC wraps anything a resolver throws in an
 * INTERNAL_SERVER_ERROR whose cause is the original; that is unwrapped here.
 * Errors that are not the gateway's (bugs) say only "internal error": their
 * text may hold internals.
 */
export function toTRPCError(error: TRPCError): TRPCError {
  const cause = error.cause;
  // Only wrapped errors: a TRPCError thrown on purpose keeps its code and message.
  if (error.code !== "INTERNAL_SERVER_ERROR" || !cause || error.message !== cause.message) return error;
  if (!(cause instanceof ConnectError)) {
    return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "internal error", cause });
  }
  const gatewayError = GatewayError.from(cause);
  return new TRPCError({
    code: trpcCodes[gatewayError.code],
    message: gatewayError.rawMessage,
    cause: gatewayError,
  });
}

/** The machine-readable reason of a service error ("admin_only", "model_not_found"), if it has one. */
export function reasonOf(error: TRPCError): string | undefined {
  return error.cause instanceof GatewayError ? error.cause.errorCode : undefined;
}
