/**
 * A route's path: exact (`/key/generate`), with one-segment parameters
 * (`/model/{id}/update`), or a prefix ending in `*` that takes the rest of
 * the path, slashes and all, possibly empty (`/a2a/*`, `/v1/models/*`).
 */
export interface RoutePattern {
  readonly source: string;
  /** The literal text before the first parameter or `*`: a cheap first test. */
  readonly head: string;
  /** Literal segments and parameter names in order; empty for exact paths. */
  readonly segments: readonly Segment[];
  readonly kind: "exact" | "params" | "prefix";
}

type Segment = { readonly literal: string } | { readonly param: string };

/** What a request's path held for a pattern's parameters and `*`. */
export interface RouteMatch {
  readonly path: string;
  /** Parameters by name, still URL-encoded: a door decodes them and answers a bad escape its own way. */
  readonly params: Readonly<Record<string, string>>;
  /** What `*` took (after the prefix); "" otherwise. */
  readonly rest: string;
}

export function parsePattern(source: string): RoutePattern {
  if (!source.startsWith("/")) throw new Error(`route pattern must start with "/": ${source}`);
  if (source.endsWith("/*")) {
    const head = source.slice(0, -1);
    if (/[{}*]/.test(head)) throw new Error(`a prefix route takes no parameters: ${source}`);
    return { source, head, segments: [], kind: "prefix" };
  }
  const open = source.indexOf("{");
  if (open === -1) {
    if (source.includes("*")) throw new Error(`"*" only ends a pattern: ${source}`);
    return { source, head: source, segments: [], kind: "exact" };
  }
  const segments = source
    .slice(1)
    .split("/")
    .map((part): Segment => {
      const param = /^\{(\w+)\}$/.exec(part);
      if (param) return { param: param[1]! };
      if (/[{}*]/.test(part)) throw new Error(`bad segment "${part}" in ${source}`);
      return { literal: part };
    });
  return { source, head: source.slice(0, open), segments, kind: "params" };
}

/**
 * Matches `path` against a parameter pattern segment by segment, without
 * splitting the path: parameters are non-empty and hold no "/".
 */
export function matchParams(pattern: RoutePattern, path: string): RouteMatch | undefined {
  if (!path.startsWith(pattern.head)) return undefined;
  const params: Record<string, string> = {};
  let at = 1;
  for (let index = 0; index < pattern.segments.length; index++) {
    const segment = pattern.segments[index]!;
    const slash = path.indexOf("/", at);
    const end = slash === -1 ? path.length : slash;
    const last = index === pattern.segments.length - 1;
    if (last !== (slash === -1)) return undefined;
    const text = path.slice(at, end);
    if ("literal" in segment) {
      if (text !== segment.literal) return undefined;
    } else {
      if (text === "") return undefined;
      params[segment.param] = text;
    }
    at = end + 1;
  }
  return { path, params, rest: "" };
}

/** Orders patterns most specific first: more literal text before a parameter or `*` wins, then more segments. */
export function bySpecificity(a: RoutePattern, b: RoutePattern): number {
  const rank = (pattern: RoutePattern) => (pattern.kind === "params" ? 0 : 1);
  return (
    rank(a) - rank(b) ||
    b.segments.length - a.segments.length ||
    literalCount(b) - literalCount(a) ||
    b.head.length - a.head.length
  );
}

function literalCount(pattern: RoutePattern): number {
  return pattern.segments.filter((segment) => "literal" in segment).length;
}
