import type { Principal } from "../../auth/authenticator.js";
import type { NodeRequest, NodeResponse } from "../node-http.js";

/** One exchange at a door: the request, its response, the authenticated caller, and when it arrived. */
export type Exchange = [request: NodeRequest, response: NodeResponse, principal: Principal, start: number];
/** What a door does for an authenticated request. */
export type Endpoint = (...exchange: Exchange) => Promise<void>;
