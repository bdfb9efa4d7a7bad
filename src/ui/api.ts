import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCLink } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "../admin/app-router.js";

/** The admin API, typed from the server's router: a renamed field breaks the console's build. */
export type Api = ReturnType<typeof createApi>;
export type Outputs = inferRouterOutputs<AppRouter>;

/** @param onUnauthorized called when the key stops working (revoked, blocked, expired): back to the login. */
export function createApi(key: string, onUnauthorized: () => void = () => {}) {
  return createTRPCClient<AppRouter>({
    links: [
      watchUnauthorized(onUnauthorized),
      httpBatchLink({ url: `${location.origin}/trpc`, headers: { authorization: `Bearer ${key}` } }),
    ],
  });
}

function watchUnauthorized(onUnauthorized: () => void): TRPCLink<AppRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) =>
        next(op).subscribe({
          next: (value) => observer.next(value),
          error: (error) => {
            if (error.data?.code === "UNAUTHORIZED") onUnauthorized();
            observer.error(error);
          },
          complete: () => observer.complete(),
        }),
      );
}

/** The message to show for a failed call. */
export function messageOf(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
