import { createHash } from "node:crypto";
import { requestHeader } from "../http/door-kit/request-parts.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import { agentCardJson, type CardVersion } from "./agent-card.js";
import type { AgentDefinition } from "./agent-definition.js";

/** The card path of v0.2 clients; they expect the v0.3 card there. */
const LEGACY_CARD_PATH = "/.well-known/agent.json";
/** Cards change only when an agent is edited: a minute of caching spares clients the refetch. */
const CACHE_CONTROL = "public, max-age=60";

/**
 * The A2A version a request asks for (spec §3.6.1): the `A2A-Version` header,
 * else the `A2A-Version` query parameter (any case), else undefined.
 */
export function requestedVersion(request: NodeRequest): string | undefined {
  const header = requestHeader(request, "a2a-version");
  if (header) return header.trim();
  const url = request.url ?? "";
  const query = url.indexOf("?");
  if (query === -1) return undefined;
  for (const [name, value] of new URLSearchParams(url.slice(query + 1))) {
    if (name.toLowerCase() === "a2a-version" && value) return value.trim();
  }
  return undefined;
}

/** The card version asked for: 1.0 unless 0.3 is (or the legacy path is fetched without asking); undefined if unsupported. */
export function cardVersion(requested: string | undefined, path: string): CardVersion | undefined {
  if (requested === undefined) return path === LEGACY_CARD_PATH ? "0.3" : "1.0";
  if (requested === "1.0" || requested === "1") return "1.0";
  if (requested === "0.3" || requested === "0.3.0") return "0.3";
  return undefined;
}

/** When each served definition was first seen by this process: a card changes only with its definition. */
const firstServed = new WeakMap<AgentDefinition, Date>();

/** The Last-Modified of the agent's card: when this process first served its current definition. */
export function cardLastModified(agent: AgentDefinition): Date {
  let served = firstServed.get(agent);
  if (!served) {
    served = wholeSeconds(new Date());
    firstServed.set(agent, served);
  }
  return served;
}

/**
 * Answers a GET or HEAD of a card (an agent's, or the gateway's directory)
 * with a strong ETag computed from the served bytes (so it changes exactly
 * when the card does), Last-Modified, Cache-Control, and 304 when
 * If-None-Match names the current ETag or, without If-None-Match (RFC 9110
 * §13.2.2), If-Modified-Since is not older than Last-Modified. The card
 * depends on the version and on the host the client reached us by, hence
 * the Vary.
 */
export function sendCard(
  request: NodeRequest,
  response: NodeResponse,
  card: Record<string, unknown>,
  lastModified: Date,
): void {
  const body = JSON.stringify(card);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
  response.setHeader("vary", "A2A-Version, Host, X-Forwarded-Host, X-Forwarded-Proto");
  response.setHeader("cache-control", CACHE_CONTROL);
  response.setHeader("etag", etag);
  response.setHeader("last-modified", lastModified.toUTCString());
  const ifNoneMatch = requestHeader(request, "if-none-match");
  const notModified = ifNoneMatch
    ? matchesEtag(ifNoneMatch, etag)
    : notModifiedSince(requestHeader(request, "if-modified-since"), lastModified);
  if (notModified) {
    response.writeHead(304).end();
    return;
  }
  response.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  if (request.method === "HEAD") response.end();
  else response.end(body);
}

/** Answers a GET or HEAD of the agent's card in the version asked for (see sendCard). */
export function sendAgentCard(
  request: NodeRequest,
  response: NodeResponse,
  agent: AgentDefinition,
  options: { readonly baseUrl: string; readonly bearer: boolean; readonly version: CardVersion },
): void {
  sendCard(request, response, agentCardJson(agent, options.baseUrl, options), cardLastModified(agent));
}

/** If-Modified-Since (an HTTP date) at or after the last modification; an unparsable date is ignored. */
function notModifiedSince(header: string | undefined, lastModified: Date): boolean {
  if (!header) return false;
  const since = Date.parse(header);
  return !Number.isNaN(since) && lastModified.getTime() <= since;
}

/** HTTP dates have whole seconds: a finer Last-Modified would never compare equal to what clients send back. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
/** If-None-Match: `*` or a list of (possibly weak) ETags. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === etag);
}
