/** How much a request may make the gateway read, per door. */
export interface RequestLimits {
  /** One request body or RPC message, after decompression. */
  readonly maxRequestBytes: number;
  /** The same for callers without a key the gateway accepts: they are refused, so they get little. */
  readonly unauthenticatedRequestBytes: number;
}

const MIB = 1024 * 1024;
/** Large enough for long conversations with inline images (the REST doors' limit too). */
const DEFAULT_MAX_REQUEST_BYTES = 32 * MIB;
const UNAUTHENTICATED_REQUEST_BYTES = 64 * 1024;

/**
 * `general_settings.max_request_size_mb` (LiteLLM's setting: megabytes, fractions allowed), else
 * 32 MiB. The config validator has already refused a value that is not a positive number.
 */
export function requestLimits(generalSettings: Readonly<Record<string, unknown>>): RequestLimits {
  const megabytes = generalSettings.max_request_size_mb;
  const maxRequestBytes =
    typeof megabytes === "number" && megabytes > 0 ? Math.floor(megabytes * MIB) : DEFAULT_MAX_REQUEST_BYTES;
  return {
    maxRequestBytes,
    unauthenticatedRequestBytes: Math.min(UNAUTHENTICATED_REQUEST_BYTES, maxRequestBytes),
  };
}
