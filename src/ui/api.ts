import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../admin/app-router.js";

/** The admin API, typed from the server's router: a renamed field breaks the console's build. */
export type Api = ReturnType<typeof createApi>;
export type Outputs = inferRouterOutputs<AppRouter>;

export function createApi(key: string) {
  return createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${location.origin}/trpc`, headers: { authorization: `Bearer ${key}` } })],
  });
}

/** The message to show for a failed call. */
export function messageOf(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Whether the failure means the key no longer works (revoked, blocked): back to the login. */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === "UNAUTHORIZED";
}
