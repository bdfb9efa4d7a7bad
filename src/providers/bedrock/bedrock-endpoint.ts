import { Code } from "@connectrpc/connect";
import type { SignatureV4 } from "@smithy/signature-v4";
import { GatewayError } from "../../errors/gateway-error.js";
import { stringMap } from "../openai/openai-headers.js";
import { perTarget } from "../per-target.js";
import type { UpstreamTarget } from "../provider.js";

/**
 * AWS's signer, loaded with the first Bedrock request: ~65 ms of module
 * loading and its memory that a gateway without Bedrock deployments never
 * pays. It hashes with Node's native SHA-256, as the AWS SDK signs on Node:
 * a pure-JS hash of a request with a 1 MB image holds the event loop ~34 ms,
 * this ~3.
 */
let signerClass: Promise<(options: SignerOptions) => SignatureV4> | undefined;

type SignerOptions = Pick<ConstructorParameters<typeof SignatureV4>[0], "service" | "region" | "credentials">;

function createSigner(options: SignerOptions): Promise<SignatureV4> {
  signerClass ??= Promise.all([import("@smithy/signature-v4"), import("@smithy/hash-node")]).then(
    ([{ SignatureV4 }, { Hash }]) => {
      const sha256 = Hash.bind(null, "sha256");
      return (signerOptions) => new SignatureV4({ ...signerOptions, sha256 });
    },
  );
  return signerClass.then((create) => create(options));
}

/** LiteLLM's region when neither the deployment nor the environment names one. */
const DEFAULT_REGION = "us-east-1";

/** Where and how one deployment reaches the Bedrock runtime; computed once per deployment. */
export interface BedrockEndpoint {
  /** `https://bedrock-runtime.<region>.amazonaws.com`, or the configured override, without a trailing slash. */
  readonly runtimeBase: string;
  /** The model id as it goes in a path: URL-encoded, as the AWS SDK sends it (ARNs and profile ids keep their meaning). */
  readonly encodedModelId: string;
  /** Signs one request and returns the headers to send (authorization, x-amz-date, …). */
  sign(url: string, body: string): Promise<Record<string, string>>;
}

/**
 * Resolves each deployment's Bedrock endpoint once (cached per target;
 * targets are immutable, and a stored credential's change makes a new one).
 *
 * Credentials, region and endpoint come from the deployment's params, where
 * a stored credential (`litellm_credential_name`) also puts them, else from
 * `env`, read here once: `aws_access_key_id`/AWS_ACCESS_KEY_ID,
 * `aws_secret_access_key`/AWS_SECRET_ACCESS_KEY,
 * `aws_session_token`/AWS_SESSION_TOKEN, `aws_region_name`/AWS_REGION/
 * AWS_DEFAULT_REGION/AWS_REGION_NAME (else us-east-1), and
 * `aws_bedrock_runtime_endpoint`/`api_base`/AWS_BEDROCK_RUNTIME_ENDPOINT.
 * Requests are signed with SigV4 (service "bedrock") by AWS's signer.
 */
export function createBedrockEndpoints(env: NodeJS.ProcessEnv): (target: UpstreamTarget) => BedrockEndpoint {
  const environment = {
    accessKeyId: nonEmpty(env.AWS_ACCESS_KEY_ID),
    secretAccessKey: nonEmpty(env.AWS_SECRET_ACCESS_KEY),
    sessionToken: nonEmpty(env.AWS_SESSION_TOKEN),
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? nonEmpty(env.AWS_REGION_NAME),
    runtimeEndpoint: nonEmpty(env.AWS_BEDROCK_RUNTIME_ENDPOINT),
  };
  return perTarget((target) => resolve(target, environment));
}

function resolve(
  target: UpstreamTarget,
  environment: Record<
    "accessKeyId" | "secretAccessKey" | "sessionToken" | "region" | "runtimeEndpoint",
    string | undefined
  >,
): BedrockEndpoint {
  const params = target.params;
  const accessKeyId = stringParam(params.aws_access_key_id) ?? environment.accessKeyId;
  const secretAccessKey = stringParam(params.aws_secret_access_key) ?? environment.secretAccessKey;
  const sessionToken = stringParam(params.aws_session_token) ?? environment.sessionToken;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new GatewayError({
      code: Code.FailedPrecondition,
      message:
        `deployment ${target.deploymentId}: Bedrock needs AWS credentials: litellm_params.aws_access_key_id and ` +
        "aws_secret_access_key, a stored credential with them, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      httpStatus: 500,
    });
  }
  const region = stringParam(params.aws_region_name) ?? environment.region ?? DEFAULT_REGION;
  const base =
    stringParam(params.aws_bedrock_runtime_endpoint) ??
    target.apiBase ??
    environment.runtimeEndpoint ??
    `https://bedrock-runtime.${region}.amazonaws.com`;
  const signerOptions: SignerOptions = {
    service: "bedrock",
    region,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) },
  };
  let signer: Promise<SignatureV4> | undefined;
  const extraHeaders = stringMap(params.extra_headers);
  return {
    runtimeBase: base.replace(/\/+$/, ""),
    encodedModelId: encodeURIComponent(modelId(target.model)),
    async sign(url, body) {
      const parsed = new URL(url);
      signer ??= createSigner(signerOptions);
      const signed = await (await signer).sign({
        method: "POST",
        protocol: parsed.protocol,
        hostname: parsed.hostname,
        port: parsed.port === "" ? undefined : Number(parsed.port),
        path: parsed.pathname,
        query: {},
        headers: {
          host: parsed.host,
          "content-type": "application/json",
          accept: "application/json",
          ...extraHeaders,
        },
        body,
      });
      return signed.headers;
    },
  };
}

/**
 * LiteLLM's route prefixes (`bedrock/converse/<model>`, `bedrock/invoke/<model>`)
 * are not part of the model id: both are served through Converse, which
 * takes every chat model InvokeModel does. Everything else (cross-region
 * profiles "us.anthropic…", ARNs) passes through.
 */
function modelId(model: string): string {
  for (const prefix of routePrefixes) if (model.startsWith(prefix)) return model.slice(prefix.length);
  return model;
}

const routePrefixes = ["converse/", "invoke/"] as const;

function stringParam(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
