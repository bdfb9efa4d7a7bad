import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";

/** A proto timestamp as JSON shows it: ISO 8601, or absent. */
export function isoOf(timestamp: Timestamp | undefined): string | undefined {
  return timestamp && timestampDate(timestamp).toISOString();
}

/** A managed entity's create and update times; absent for one from the config file, which has none. */
export function changeTimes(entity: { readonly createTime?: Timestamp; readonly updateTime?: Timestamp }): {
  readonly createdAt: string | undefined;
  readonly updatedAt: string | undefined;
} {
  return { createdAt: isoOf(entity.createTime), updatedAt: isoOf(entity.updateTime) };
}
