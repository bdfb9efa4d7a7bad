/**
 * Embedding vectors as OpenAI's `encoding_format: "base64"` carries them:
 * base64 of little-endian float32 bytes (what the OpenAI SDK asks for by
 * default, and a quarter of the size of float JSON).
 */

const hostIsLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function encodeFloat32Base64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 4);
  if (hostIsLittleEndian) {
    new Float32Array(bytes.buffer).set(values);
  } else {
    const view = new DataView(bytes.buffer);
    for (let index = 0; index < values.length; index++) view.setFloat32(index * 4, values[index]!, true);
  }
  return Buffer.from(bytes.buffer, 0, bytes.byteLength).toString("base64");
}

/** The floats, or undefined when the bytes are not a whole number of float32s. */
export function decodeFloat32Base64(text: string): number[] | undefined {
  const bytes = Buffer.from(text, "base64");
  if (bytes.byteLength % 4 !== 0) return undefined;
  const count = bytes.byteLength / 4;
  const values: number[] = new Array(count);
  // Small Buffers are slices of a shared pool at any offset; a Float32Array
  // view needs 4-byte alignment, so unaligned ones are read through a DataView.
  if (hostIsLittleEndian && bytes.byteOffset % 4 === 0) {
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, count);
    for (let index = 0; index < count; index++) values[index] = floats[index]!;
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let index = 0; index < count; index++) values[index] = view.getFloat32(index * 4, true);
  }
  return values;
}
