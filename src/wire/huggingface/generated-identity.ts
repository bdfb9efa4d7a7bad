/**
 * The id, creation time and model of one answer. Text-generation servers
 * report none of them, so the provider makes them up once per call and
 * every message of a stream shares them.
 */
export interface GeneratedIdentity {
  readonly id: string;
  /** Unix seconds. */
  readonly created: bigint;
  /** The deployment's model, e.g. "bigcode/starcoder". */
  readonly model: string;
}
