import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";

/** Socket errors that mean the server is unreachable, not that the SQL was wrong. */
const unreachableErrnos = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/**
 * SQLSTATEs that mean "the server cannot serve this session right now":
 * class 08 (connection exception), 57P01–57P03 (shutdown, crash recovery,
 * cannot connect now), 53300 (too many connections).
 */
function isUnavailableSqlState(state: string): boolean {
  return (
    state.startsWith("08") || state === "57P01" || state === "57P02" || state === "57P03" || state === "53300"
  );
}

/** pg's own connection failures carry no errno or SQLSTATE, only these messages. */
const unreachableMessages = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Cannot use a pool after calling end",
  "PGlite is closed",
];

/** Whether `error` says the database is unreachable (as opposed to a failed statement). */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  if (code !== undefined && (unreachableErrnos.has(code) || isUnavailableSqlState(code))) return true;
  const message = error instanceof Error ? error.message : "";
  return unreachableMessages.some((text) => message.includes(text));
}

/** The store is not there (down, unreachable, closed, or still opening). Names no host or credentials. */
export function storeUnavailable(cause?: unknown, detail = "the database is unavailable"): GatewayError {
  const code =
    typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
      ? ` (${cause.code})`
      : "";
  return new GatewayError({
    code: Code.Unavailable,
    message: `${detail}${code}`,
    errorCode: "store_unavailable",
    cause,
  });
}

/**
 * Normalises a driver error: connection trouble → Unavailable (callers may
 * retry); anything else → Internal with a generic message, since driver
 * messages may quote stored values.
 */
export function toStoreError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (isConnectionError(error)) return storeUnavailable(error);
  return new GatewayError({ code: Code.Internal, message: "database query failed", cause: error });
}
