import { readFile } from "node:fs/promises";
import { Code } from "@connectrpc/connect";
import type { AuthClient } from "google-auth-library";
import { GatewayError } from "../../errors/gateway-error.js";
import { VertexAccessToken } from "./vertex-access-token.js";

const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** Where google-auth-library sends a service account's JWT grant, whatever its key says. */
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

/** A loaded credential: its token source and the project it belongs to, if it says. */
export interface VertexCredential {
  readonly token: VertexAccessToken;
  readonly projectId: string | undefined;
}

/**
 * Vertex AI credentials, loaded once per distinct `vertex_credentials`
 * value and shared by every deployment that uses it (so by their token):
 * a service-account JSON key given as the JSON itself (a string, or a YAML
 * mapping, or a stored credential's field), or as the path of a key file
 * (read asynchronously); without it, application default credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, gcloud's user credentials, the GCP
 * metadata server). google-auth-library does the OAuth work.
 *
 * A key's `token_uri` is honoured, as Google's Python library does it (the
 * Node library always posts to oauth2.googleapis.com): the grant goes where
 * the key says, e.g. a private endpoint, or a test's token server.
 *
 * A failed load is not cached: the next request tries again.
 */
export class VertexCredentials {
  readonly #loaded = new Map<string, Promise<VertexCredential>>();

  get(credentials: unknown, deploymentId: string): Promise<VertexCredential> {
    const cacheKey = typeof credentials === "string" ? credentials : JSON.stringify(credentials ?? null);
    let loaded = this.#loaded.get(cacheKey);
    if (loaded === undefined) {
      loaded = load(credentials, deploymentId);
      this.#loaded.set(cacheKey, loaded);
      loaded.catch(() => this.#loaded.delete(cacheKey));
    }
    return loaded;
  }
}

async function load(credentials: unknown, deploymentId: string): Promise<VertexCredential> {
  const json = await readKey(credentials, deploymentId);
  // Loaded on the first Vertex call: gateways without Vertex deployments never pay for it.
  const { GoogleAuth } = await import("google-auth-library");
  const auth = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], ...(json && { credentials: json }) });
  let client: AuthClient;
  try {
    client = await auth.getClient();
  } catch (cause) {
    throw unusable(
      deploymentId,
      json === undefined ? "no application default credentials" : "not a Google credential",
      cause,
    );
  }
  const content = json ?? (auth.jsonContent as Record<string, unknown> | null) ?? undefined;
  const tokenUri = content?.token_uri;
  if (typeof tokenUri === "string" && tokenUri !== GOOGLE_TOKEN_URL) honourTokenUri(client, tokenUri);
  const projectId = typeof content?.project_id === "string" ? content.project_id : undefined;
  return { token: new VertexAccessToken(client), projectId };
}

/** The key as an object: the value itself, its JSON text, or the file it names; undefined for ADC. */
async function readKey(
  credentials: unknown,
  deploymentId: string,
): Promise<Record<string, unknown> | undefined> {
  if (credentials === undefined || credentials === null || credentials === "") return undefined;
  if (typeof credentials === "object" && !Array.isArray(credentials))
    return credentials as Record<string, unknown>;
  if (typeof credentials !== "string") throw unusable(deploymentId, "expected JSON or a file path");
  let text = credentials;
  if (!credentials.trimStart().startsWith("{")) {
    try {
      text = await readFile(credentials, "utf8");
    } catch (cause) {
      throw unusable(deploymentId, "the key file could not be read", cause);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw unusable(deploymentId, "not valid JSON", cause);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw unusable(deploymentId, "not a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/** Sends the library's token requests to the key's own token endpoint. */
function honourTokenUri(client: AuthClient, tokenUri: string): void {
  const target = new URL(tokenUri);
  client.transporter.interceptors.request.add({
    resolved: async (options) => {
      if (String(options.url) === GOOGLE_TOKEN_URL) options.url = target;
      return options;
    },
  });
}

/** Names the deployment and the problem, never the credential's content. */
function unusable(deploymentId: string, problem: string, cause?: unknown): GatewayError {
  return new GatewayError({
    code: Code.FailedPrecondition,
    message: `deployment ${deploymentId}: vertex_credentials unusable (${problem})`,
    httpStatus: 500,
    retryable: false,
    cause,
  });
}
