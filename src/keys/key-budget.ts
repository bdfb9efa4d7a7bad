import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import { keyLabel } from "./model-access.js";
import type { VirtualKey } from "./virtual-key.js";

/**
 * The key's stored spend for the current budget period: zero once the
 * period has ended, even before the scheduled reset has written that down.
 */
export function storedSpendNow(key: VirtualKey, now: number): number {
  const resetAt = key.budgetResetAt;
  return resetAt !== undefined && resetAt.getTime() <= now ? 0 : key.spend;
}

/**
 * Refuses a key that has spent its budget, in LiteLLM's words (BudgetExceededError): REST answers
 * 400 with type `budget_exceeded` and code "400" — a 429 would make SDKs retry a call that cannot
 * succeed before the period resets. Connect: RESOURCE_EXHAUSTED with the same message.
 */
export function budgetExceeded(key: VirtualKey, spent: number, maxBudget: number): GatewayError {
  return new GatewayError({
    code: Code.ResourceExhausted,
    httpStatus: 400,
    type: "budget_exceeded",
    errorCode: "400",
    retryable: false,
    message:
      `Budget has been exceeded! Current cost: ${spent}, Max budget: ${maxBudget} (${keyLabel(key)})` +
      (key.budgetResetAt ? `; it resets at ${key.budgetResetAt.toISOString()}` : ""),
  });
}
