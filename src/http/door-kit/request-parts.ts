import type { NodeRequest } from "../node-http.js";

/** A request header's first value. */
export function requestHeader(request: NodeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The path of a request's URL, without its query. */
export function pathOf(request: NodeRequest): string {
  const url = request.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** The query string of a request's URL. */
export function queryOf(request: NodeRequest): URLSearchParams {
  const url = request.url ?? "";
  const start = url.indexOf("?");
  return new URLSearchParams(start === -1 ? "" : url.slice(start + 1));
}
