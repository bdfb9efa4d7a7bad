import { Code } from "@connectrpc/connect";
import { readModelSlug } from "../config/model-slug.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Provider, UpstreamTarget } from "../providers/provider.js";
import type { Deployment } from "./deployment.js";
import { fillPattern } from "./model-pattern.js";

/**
 * Makes the deployment a caller's model name resolves to under a wildcard
 * entry (`model: openai/*`, or `*` alone): the same deployment (id, limits,
 * cooldowns) with the requested name put into its upstream model, as
 * LiteLLM's pattern router does. For `model: "*"` the provider is inferred
 * from that name, as for a bare model name in the config.
 */
export function wildcardResolver(
  base: Deployment,
  providerModel: string,
  providers: ReadonlyMap<string, Provider>,
): (captures: readonly string[]) => Deployment {
  return (captures) => {
    let model = fillPattern(providerModel, captures);
    let provider = base.provider;
    let providerName = base.providerName;
    if (providerName === "*") {
      const slug = readModelSlug(model, undefined);
      const found = "problem" in slug ? undefined : providers.get(slug.provider);
      if ("problem" in slug || found === undefined) throw unroutable(model, slug);
      provider = found;
      providerName = slug.provider;
      model = slug.providerModel;
    }
    // Over the base's target(): a credential-backed target stays current.
    const target = (): UpstreamTarget => ({ ...base.target(), model });
    return Object.create(base, {
      provider: { value: provider, enumerable: true },
      providerName: { value: providerName, enumerable: true },
      target: { value: target, enumerable: true },
    });
  };
}

function unroutable(model: string, slug: ReturnType<typeof readModelSlug>): GatewayError {
  const why =
    "problem" in slug
      ? "its provider cannot be told from the name"
      : `its provider "${slug.provider}" is not served by Switchyard`;
  return new GatewayError({
    code: Code.InvalidArgument,
    message: `The model \`${model}\` matches a wildcard deployment, but ${why}.`,
    param: "model",
    errorCode: "model_not_found",
  });
}

/** The provider of a `model: "*"` entry: inferred per request, so never called itself. */
export const perRequestProvider: Provider = {
  name: "*",
  chatCompletion: () => Promise.reject(new Error("a wildcard deployment is resolved before it is called")),
  streamChatCompletion: () => {
    throw new Error("a wildcard deployment is resolved before it is called");
  },
};
