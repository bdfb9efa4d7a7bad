import { createPublicKey, generateKeyPair, type KeyObject, verify } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";

/**
 * A fake Google OAuth 2.0 token server (127.0.0.1, port 0) for service
 * accounts: `POST /token` with a form body `grant_type=urn:ietf:params:
 * oauth:grant-type:jwt-bearer&assertion=<JWT>`, as Google's
 * oauth2.googleapis.com/token takes it. It checks the assertion as Google
 * does: an RS256 JWT signed by the account's key, `iss` the account's email,
 * the cloud-platform scope, an `exp` in the future; then answers
 * `{"access_token","expires_in","token_type":"Bearer"}`, else 400
 * `{"error":"invalid_grant","error_description":…}` like Google.
 *
 * `serviceAccountKey()` makes a JSON key (RSA key generated here, with
 * node:crypto) whose `token_uri` points at this server.
 */
export interface FakeGoogleOAuth {
  readonly tokenUri: string;
  /** Every token grant asked for, in order. */
  readonly grants: { email: string; scope: string }[];
  /** Tokens issued so far; a fake upstream accepts exactly these. */
  readonly issued: ReadonlySet<string>;
  /** Lifetime of the next tokens, in seconds (Google's is 3599). */
  expiresInSeconds: number;
  /** Answer the next grants with this HTTP status instead (e.g. 400 invalid_grant, 503). */
  failWith: number | undefined;
  serviceAccountKey(email?: string, projectId?: string): Record<string, string>;
  close(): Promise<void>;
}

const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

export async function startFakeGoogleOAuth(): Promise<FakeGoogleOAuth> {
  const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  const publicKey: KeyObject = createPublicKey(privateKey);
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const grants: { email: string; scope: string }[] = [];
  const issued = new Set<string>();
  const accounts = new Set<string>();

  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(parts).toString("utf8"));
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      const invalid = (description: string) =>
        answer(400, { error: "invalid_grant", error_description: description });
      if (request.method !== "POST" || request.url !== "/token") return answer(404, { error: "not_found" });
      if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return answer(400, { error: "unsupported_grant_type" });
      }
      const claims = verifiedClaims(form.get("assertion") ?? "", publicKey);
      if (claims === undefined) return invalid("Invalid JWT Signature.");
      const email = String(claims.iss);
      const scope = String(claims.scope ?? "");
      grants.push({ email, scope });
      if (!accounts.has(email)) return invalid("Invalid grant: account not found");
      if (!scope.split(" ").includes(CLOUD_PLATFORM_SCOPE)) return invalid("Invalid OAuth scope");
      if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return invalid("Token expired");
      if (fake.failWith !== undefined) {
        return answer(fake.failWith, { error: fake.failWith >= 500 ? "internal_failure" : "invalid_grant" });
      }
      const token = `ya29.fake-${issued.size + 1}`;
      issued.add(token);
      answer(200, { access_token: token, expires_in: fake.expiresInSeconds, token_type: "Bearer" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const tokenUri = `http://127.0.0.1:${port}/token`;

  const fake: FakeGoogleOAuth = {
    tokenUri,
    grants,
    issued,
    expiresInSeconds: 3599,
    failWith: undefined,
    serviceAccountKey(
      email = "gateway@switchyard-test.iam.gserviceaccount.com",
      projectId = "switchyard-test",
    ) {
      accounts.add(email);
      return {
        type: "service_account",
        project_id: projectId,
        private_key_id: "fake-key-1",
        private_key: privatePem,
        client_email: email,
        client_id: "1234567890",
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: tokenUri,
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** The claims of an RS256 JWT whose signature `publicKey` verifies; undefined otherwise. */
function verifiedClaims(jwt: string, publicKey: KeyObject): Record<string, unknown> | undefined {
  const [header, payload, signature] = jwt.split(".");
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  try {
    const { alg } = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: string };
    if (alg !== "RS256") return undefined;
    const signed = Buffer.from(`${header}.${payload}`);
    if (!verify("RSA-SHA256", signed, publicKey, Buffer.from(signature, "base64url"))) return undefined;
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
