import type { HandlerContext } from "@connectrpc/connect";
import type { Principal } from "../auth/authenticator.js";
import {
  type AdmittedCall,
  agentTurnKey,
  type CallAdmission,
  type CallWeight,
} from "../calls/call-admission.js";
import { budgetExceeded, storedSpendNow } from "./key-budget.js";
import { hasRateLimits, type KeyRateLimiter } from "./key-rate-limiter.js";
import {
  agentAccessDenied,
  mayUseAgent,
  mayUseAllModels,
  mayUseModel,
  modelAccessDenied,
} from "./model-access.js";
import type { VirtualKey } from "./virtual-key.js";

export interface KeyEnforcementOptions {
  /** This replica's spend not yet in the key cache. */
  readonly ledger: { unflushed(tokenId: string): number };
  readonly limiter: KeyRateLimiter;
  /** The access groups (model_info.access_groups) of the group serving a model name; absent: none. */
  readonly accessGroupsOf?: (model: string) => ReadonlySet<string> | undefined;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
}

const unlimited: AdmittedCall = { end() {} };

/**
 * What a virtual key may do, in one place: its models, its budget, its rate
 * limits. Reads memory only (the key the authenticator found, and this
 * replica's unflushed spend), plus the shared counters when the key has
 * limits. The completion service asks it before routing; the A2A doors ask
 * `authorizeAgent`.
 */
export class KeyEnforcement implements CallAdmission {
  readonly #ledger: KeyEnforcementOptions["ledger"];
  readonly #limiter: KeyRateLimiter;
  readonly #now: () => number;
  readonly #accessGroupsOf: (model: string) => ReadonlySet<string> | undefined;

  constructor(options: KeyEnforcementOptions) {
    this.#accessGroupsOf = options.accessGroupsOf ?? (() => undefined);
    this.#ledger = options.ledger;
    this.#limiter = options.limiter;
    this.#now = options.now ?? Date.now;
  }

  admit(
    key: VirtualKey,
    model: string,
    context: HandlerContext,
    weight?: CallWeight,
  ): AdmittedCall | Promise<AdmittedCall> {
    const agentTurn = context.values.get(agentTurnKey);
    const accessGroupsOf = this.#accessGroupsOf;
    if (!agentTurn && !mayUseAllModels(key) && !mayUseModel(key, model, accessGroupsOf(model))) {
      throw modelAccessDenied(key, model);
    }
    this.#checkBudget(key);
    // Fallbacks stay within the key's models; an agent's turn is bound to none.
    const allowsGroup =
      agentTurn || mayUseAllModels(key)
        ? undefined
        : (group: string) => mayUseModel(key, group, accessGroupsOf(group));
    if (!hasRateLimits(key)) return allowsGroup ? { allowsGroup, end() {} } : unlimited;
    return this.#limiter.acquire(key, context.responseHeader, allowsGroup, weight);
  }

  /**
   * Throws unless the caller may use the agent: a virtual key needs
   * `a2a/<agent_name>` among its models (or all models) and budget left.
   * Rate limits apply to the model calls the agent makes, not here.
   */
  authorizeAgent(principal: Principal, agentName: string): void {
    if (principal.kind !== "virtual_key") return;
    const key = principal.key;
    if (!mayUseAgent(key, agentName)) throw agentAccessDenied(key, agentName);
    this.#checkBudget(key);
  }

  #checkBudget(key: VirtualKey): void {
    const maxBudget = key.maxBudget;
    if (maxBudget === undefined) return;
    const spent = storedSpendNow(key, this.#now()) + this.#ledger.unflushed(key.tokenId);
    if (spent >= maxBudget) throw budgetExceeded(key, spent, maxBudget);
  }
}
