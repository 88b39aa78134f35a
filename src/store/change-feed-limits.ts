// PostgreSQL's NOTIFY carries channel names of at most 63 bytes (an identifier) and
// payloads shorter than 8,000 bytes. Both adapters refuse the same inputs, so code
// that works on the embedded store cannot fail later on PostgreSQL.

export const MAX_CHANNEL_BYTES = 63;
export const MAX_PAYLOAD_BYTES = 7_999;

export function assertChannel(channel: string): void {
  const bytes = Buffer.byteLength(channel, "utf8");
  if (bytes === 0 || bytes > MAX_CHANNEL_BYTES) {
    throw new RangeError(`A change feed channel must be 1 to ${MAX_CHANNEL_BYTES} bytes long, got ${bytes}.`);
  }
}

export function assertPayload(payload: string): void {
  const bytes = Buffer.byteLength(payload, "utf8");
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new RangeError(
      `A change feed payload must be at most ${MAX_PAYLOAD_BYTES} bytes, got ${bytes}: publish an id and re-read the store.`,
    );
  }
}
