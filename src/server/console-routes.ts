import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import { requestHeader } from "../http/door-kit/request-parts.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import type { Route, RouteHandler } from "../http/route-table.js";

export const CONSOLE_PREFIX = "/ui";

export interface ConsoleRouteOptions {
  /** The built console (index.html, assets/); default dist/ui of this package. */
  readonly dir?: string;
  /** Renders errors (404, 405, 503) as the gateway's other JSON errors. */
  readonly sendError: (response: NodeResponse, error: GatewayError) => void;
}

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Asset names carry a content hash (the build's doing), so browsers may keep them for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** The page itself is checked every time, so a new build is picked up at once. */
const REVALIDATE = "no-cache";

/**
 * The page may load only what this origin serves, and talk only to it (the
 * admin API and gRPC-web); nothing may frame it.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The web console at /ui: static files of the build, index.html for every
 * path without a file extension (the app's own routes, e.g. /ui/keys), and
 * a JSON 404 for missing files. Paths are confined to the build directory.
 */
export function consoleRoutes(options: ConsoleRouteOptions): Route[] {
  const root = resolve(options.dir ?? defaultConsoleDir());
  const { sendError } = options;

  const serve: RouteHandler = (request, response, { path, rest }) => {
    let name: string;
    try {
      name = decodeURIComponent(rest);
    } catch {
      sendError(response, notFound(path));
      return;
    }
    const isAppRoute = extname(name) === "";
    const file = isAppRoute ? join(root, "index.html") : resolve(root, name);
    const inside = relative(root, file);
    if (name.includes("\0") || inside.startsWith(`..${sep}`) || inside === "..") {
      sendError(response, notFound(path));
      return;
    }
    void sendFile(request, response, file, isAppRoute || name === "index.html").catch(() => {
      if (response.headersSent) response.destroy();
      else if (isAppRoute && !existsSync(file)) sendError(response, notBuilt());
      else sendError(response, notFound(path));
    });
  };
  return [CONSOLE_PREFIX, `${CONSOLE_PREFIX}/*`].flatMap((path) =>
    ["GET", "HEAD"].map((method) => ({ method, path, handle: serve, sendError })),
  );
}

async function sendFile(request: NodeRequest, response: NodeResponse, file: string, isPage: boolean) {
  const info = await stat(file);
  if (!info.isFile()) throw new Error("not a file");
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    "content-type": contentTypes[extname(file)] ?? "application/octet-stream",
    "cache-control": isPage ? REVALIDATE : IMMUTABLE,
    etag,
    "x-content-type-options": "nosniff",
    ...(isPage && { "content-security-policy": CONTENT_SECURITY_POLICY, "referrer-policy": "no-referrer" }),
  };
  if (requestHeader(request, "if-none-match") === etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, "content-length": info.size });
  if (request.method === "HEAD") {
    response.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    const stream = createReadStream(file);
    stream.once("error", fail);
    stream.once("end", done);
    stream.pipe(response as NodeJS.WritableStream);
  });
}

function notFound(path: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `No such file in the web console: ${path}.`,
    errorCode: "not_found",
  });
}

function notBuilt(): GatewayError {
  return new GatewayError({
    code: Code.Unavailable,
    message: "The web console is not built: run `npm run build:ui` (npm ci does it).",
    errorCode: "console_not_built",
    retryable: false,
  });
}

/** dist/ui of the package this module belongs to, whether it runs from src/ (tsx) or dist/src/ (built). */
export function defaultConsoleDir(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, "package.json"))) {
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return join(directory, "dist", "ui");
}
