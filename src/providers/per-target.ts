import type { UpstreamTarget } from "./provider.js";

/**
 * `resolve` worked out on a deployment's first call and kept for every later
 * one: targets are immutable after start (a changed deployment or stored
 * credential makes a new target), and the cache lets go of a target with it.
 * A resolve that throws keeps nothing, so the next call tries again.
 */
export function perTarget<Value>(
  resolve: (target: UpstreamTarget) => Value,
): (target: UpstreamTarget) => Value {
  const cache = new WeakMap<UpstreamTarget, Value>();
  return (target) => {
    let value = cache.get(target);
    if (value === undefined) {
      value = resolve(target);
      cache.set(target, value);
    }
    return value;
  };
}
