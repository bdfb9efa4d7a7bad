import { type Timestamp, timestampFromDate } from "@bufbuild/protobuf/wkt";

/** A stored entity's create and update times, as every managed entity's message carries them. */
export function recordTimes(record: { readonly createdAt: Date; readonly updatedAt: Date }): {
  createTime: Timestamp;
  updateTime: Timestamp;
} {
  return { createTime: timestampFromDate(record.createdAt), updateTime: timestampFromDate(record.updatedAt) };
}
