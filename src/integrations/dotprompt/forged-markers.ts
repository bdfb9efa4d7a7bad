import { isRecord } from "./prompt-document.js";

// dotprompt's helpers ({{role}}, {{media}}, {{section}}, {{history}}) write these markers into the
// rendered text and then split on them, so a variable holding one would forge a message or a part.
export const DOTPROMPT_MARKER = "<<<dotprompt:";

/**
 * The variable (`name`, `items[2]`, `address.city`) whose text holds one of
 * dotprompt's markers, or undefined. A caller's variable could otherwise
 * open a system message of its own in the middle of a prompt.
 */
export function forgedMarker(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return value.includes(DOTPROMPT_MARKER) ? path : undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = forgedMarker(value[index], `${path}[${index}]`);
      if (found !== undefined) return found;
    }
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const found = forgedMarker(item, path === "" ? key : `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
