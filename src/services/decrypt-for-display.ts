import { UNREADABLE_VALUE } from "../credentials/mask.js";
import { GatewayError } from "../errors/gateway-error.js";

/**
 * Stored secrets opened for an admin answer, each through `open` (which
 * decrypts, and may mask). One that does not open is shown as
 * UNREADABLE_VALUE and reported to `unreadable` with the error's message
 * (which names the field, never the value or key): one bad value must not
 * fail a listing.
 */
export function decryptForDisplay(
  stored: Readonly<Record<string, string>>,
  open: (value: string, field: string) => string,
  unreadable: (field: string, err: string) => void,
): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [field, value] of Object.entries(stored)) {
    try {
      shown[field] = open(value, field);
    } catch (error) {
      shown[field] = UNREADABLE_VALUE;
      unreadable(field, GatewayError.from(error).rawMessage);
    }
  }
  return shown;
}
