import type { HandlerContext } from "@connectrpc/connect";
import { callControlKey } from "../calls/call-control.js";
import type { CallControl } from "../wire/litellm/control-fields.js";

/** The context with the body's LiteLLM control fields for the Completion service; as is when there are none. */
export function withControl(context: HandlerContext, control: CallControl | undefined): HandlerContext {
  if (control !== undefined) context.values.set(callControlKey, control);
  return context;
}
