import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Usage } from "../../gen/switchyard/v1/chat_pb.js";
import type { VirtualKey } from "../keys/virtual-key.js";

/**
 * Decides whether a virtual key may make a routed call (its models, budget
 * and rate limits) before the router picks anything. The completion service
 * asks only for virtual keys: the master key and open gateways never reach it.
 */
export interface CallAdmission {
  /**
   * Admits the call or throws the GatewayError refusing it. May set response
   * headers (x-ratelimit-*). The returned call must be ended exactly once.
   */
  admit(
    key: VirtualKey,
    model: string,
    context: HandlerContext,
    weight?: CallWeight,
  ): AdmittedCall | Promise<AdmittedCall>;
}

/**
 * What a call that fans out weighs against a key's limits (absent: one
 * request). `requests`: upstream requests it may make (rpm_limit counts
 * them); `parallel`: how many of them run at once (max_parallel_requests).
 */
export interface CallWeight {
  readonly requests: number;
  readonly parallel: number;
}

/** A call the admission let through, held until it ends. */
export interface AdmittedCall {
  /** Model groups the router may fall back to for this caller; undefined: any. */
  readonly allowsGroup?: (group: string) => boolean;
  /** The call ended (answered, failed or canceled): frees its parallel slot, counts its tokens. */
  end(usage: Usage | undefined): void;
}

/**
 * Set on the calls a model-backed agent makes for its caller: the caller was
 * let use the agent (`a2a/<agent>`), and the agent's model comes with it, so
 * the model allow-list is not asked again; budget and rate limits still are.
 */
export const agentTurnKey = createContextKey<boolean>(false, { description: "agent turn" });
