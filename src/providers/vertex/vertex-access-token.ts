import { Code } from "@connectrpc/connect";
import type { AuthClient } from "google-auth-library";
import { GatewayError } from "../../errors/gateway-error.js";

/** Start a new token this long before the current one expires (google-auth-library's default margin too). */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** A token this close to its expiry is not sent at all: it could expire in flight. */
const EXPIRED_MARGIN_MS = 10_000;
/** Google's tokens live an hour; assumed when a token comes without its expiry. */
const DEFAULT_LIFETIME_MS = 3_600_000;

/**
 * One credential's OAuth access token, cached. A request reads the cached
 * token synchronously while it has more than five minutes left; inside the
 * last five minutes it is still used while one refresh runs in the
 * background, so no request waits on a refresh it does not need. Only when
 * there is no usable token do callers wait, and then all of them on the same
 * fetch. The fetch itself is google-auth-library's (a signed JWT grant for
 * service accounts, a refresh token for user credentials, the metadata
 * server on GCP), and is asynchronous I/O.
 */
export class VertexAccessToken {
  readonly #client: AuthClient;
  #token = "";
  /** When #token expires, Unix ms. */
  #expiry = 0;
  #pending: Promise<string> | undefined;

  constructor(client: AuthClient) {
    this.#client = client;
  }

  get(): string | Promise<string> {
    const left = this.#expiry - Date.now();
    if (this.#token !== "" && left > EXPIRED_MARGIN_MS) {
      // A failed background refresh is retried by the next request; this one has a token.
      if (left <= REFRESH_MARGIN_MS) this.#refresh().catch(() => undefined);
      return this.#token;
    }
    return this.#refresh();
  }

  #refresh(): Promise<string> {
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<string> {
    let token: string | null | undefined;
    try {
      // The library refreshes inside the same five-minute margin, so this fetches a new token.
      token = (await this.#client.getAccessToken()).token;
    } catch (error) {
      throw tokenError(error);
    }
    if (typeof token !== "string" || token === "") throw tokenError(undefined);
    const expiry = this.#client.credentials.expiry_date;
    this.#token = token;
    this.#expiry = typeof expiry === "number" ? expiry : Date.now() + DEFAULT_LIFETIME_MS;
    return token;
  }
}

/**
 * A refused grant (the token server answered 4xx: revoked key, wrong
 * account) is an authentication failure; anything else (unreachable token
 * server, 5xx) is worth a retry. The library's message can quote the token
 * server's answer, and its request config holds the signed assertion, so
 * neither is kept: only the status goes on.
 */
function tokenError(error: unknown): GatewayError {
  const status = statusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    return new GatewayError({
      code: Code.Unauthenticated,
      message: `Google OAuth token server refused the Vertex AI credentials (HTTP ${status})`,
    });
  }
  return new GatewayError({
    code: Code.Unavailable,
    message: "could not get a Google OAuth access token for Vertex AI",
    httpStatus: 502,
    errorCode: "upstream_connection_error",
    retryable: true,
  });
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const response = (error as { response?: { status?: unknown } }).response;
  return typeof response?.status === "number" ? response.status : undefined;
}
