import { GatewayError } from "../../errors/gateway-error.js";
import type { Guardrails } from "../../guardrails/guardrails.js";
import { doorRoute, type Endpoint } from "../../http/door-kit/door.js";
import { sendJson } from "../../http/door-kit/json-answer.js";
import { type DoorDeps, openAIDoor } from "../../http/door-kit/openai-door.js";
import { readJsonBody } from "../../http/door-kit/read-body.js";
import type { Route } from "../../http/route-table.js";

export interface GuardrailRoutesDeps extends DoorDeps {
  /** Absent when no guardrail is configured: the list is empty, apply answers 404. */
  readonly guardrails?: Guardrails;
}

/** A text to check by hand: a prompt's worth. */
const MAX_APPLY_BODY_BYTES = 1024 * 1024;

/**
 * LiteLLM's guardrail routes (proxy/guardrails/guardrail_endpoints.py), for
 * any caller with a key: `GET /guardrails/list` (names, vendor, mode,
 * default_on — never an api_key), `POST /guardrails/apply_guardrail`
 * (`{guardrail_name, text}` → `{response_text}`, masked where the guardrail
 * masks; a block is the same 400 a call gets).
 */
export function guardrailRoutes(deps: GuardrailRoutesDeps): Route[] {
  const list: Endpoint = async (_request, response) => {
    sendJson(response, 200, {
      guardrails: (deps.guardrails?.list ?? []).map((spec) => ({
        guardrail_name: spec.name,
        litellm_params: {
          guardrail: spec.kind,
          mode: spec.modes.size === 1 ? [...spec.modes][0] : [...spec.modes],
          default_on: spec.defaultOn,
        },
        guardrail_info: null,
      })),
    });
  };

  const apply: Endpoint = async (request, response) => {
    const body = (await readJsonBody(request, MAX_APPLY_BODY_BYTES)) as Record<string, unknown> | null;
    const name = body?.guardrail_name;
    const text = body?.text;
    if (typeof name !== "string" || name === "")
      throw GatewayError.invalidArgument("guardrail_name is required", "guardrail_name");
    if (typeof text !== "string") throw GatewayError.invalidArgument("text must be a string", "text");
    if (!deps.guardrails)
      throw GatewayError.invalidArgument(`guardrail '${name}' is not configured`, "guardrail_name");
    const abort = new AbortController();
    response.once("close", () => abort.abort());
    sendJson(response, 200, { response_text: await deps.guardrails.apply(name, text, abort.signal) });
  };

  const door = openAIDoor(deps);
  return [
    doorRoute(door, "GET", "/guardrails/list", list),
    doorRoute(door, "POST", "/guardrails/apply_guardrail", apply),
  ];
}
