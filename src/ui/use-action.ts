import { useState } from "preact/hooks";
import { messageOf } from "./api.js";

export interface Action {
  /** What the last action failed with, until the next one starts. */
  readonly error?: string;
  /** Runs `action`; on success reloads what it changed and resolves true, on failure keeps the message and resolves false. */
  run(action: () => Promise<unknown>): Promise<boolean>;
}

/** The changes a page makes (create, delete…), each followed by `reload` of what it shows. */
export function useAction(reload: () => void): Action {
  const [error, setError] = useState<string>();
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setError(undefined);
    try {
      await action();
      reload();
      return true;
    } catch (failure) {
      setError(messageOf(failure));
      return false;
    }
  }
  return { error, run };
}
