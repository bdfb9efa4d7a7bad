import type { StoreHealth } from "./store.js";

/** How long a readiness probe waits for `select 1`. */
const healthTimeoutMs = 2000;

/** "connected" if `select 1` answers in time; a hung database must not hold a readiness probe. */
export async function probeHealth(selectOne: () => Promise<unknown>): Promise<StoreHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(() => resolve("unavailable"), healthTimeoutMs);
  });
  const probe = selectOne().then(
    (): StoreHealth => "connected",
    (): StoreHealth => "unavailable",
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
