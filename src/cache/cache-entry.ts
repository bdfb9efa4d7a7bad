/**
 * A stored answer: when it was stored (for `s-maxage`) and its messages in
 * protobuf binary — one for a unary answer, every chunk for a stream.
 * Layout: float64 stored-at ms, then per message a uint32 length and bytes.
 */
export interface CacheEntry {
  readonly storedAt: number;
  readonly messages: readonly Uint8Array[];
}

export function encodeEntry(entry: CacheEntry): Uint8Array {
  let size = 8;
  for (const message of entry.messages) size += 4 + message.byteLength;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setFloat64(0, entry.storedAt);
  let offset = 8;
  for (const message of entry.messages) {
    view.setUint32(offset, message.byteLength);
    bytes.set(message, offset + 4);
    offset += 4 + message.byteLength;
  }
  return bytes;
}

/** Undefined for bytes that are not an entry (another writer's key, a truncated value): a miss. */
export function decodeEntry(bytes: Uint8Array): CacheEntry | undefined {
  if (bytes.byteLength < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: Uint8Array[] = [];
  let offset = 8;
  while (offset < bytes.byteLength) {
    if (offset + 4 > bytes.byteLength) return undefined;
    const length = view.getUint32(offset);
    if (offset + 4 + length > bytes.byteLength) return undefined;
    messages.push(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return { storedAt: view.getFloat64(0), messages };
}
