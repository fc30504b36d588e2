import { constants, gunzipSync } from 'node:zlib';

/** Enough compressed bytes to hold the first tar header, with room for a long gzip header. */
const PREFIX_BYTES = 4096;
/** Caps what the prefix may expand to, so a crafted prefix cannot balloon. */
const MAX_EXPANDED_BYTES = 8 * 1024 * 1024;

/**
 * True when the bytes are gzip (magic 1f 8b) and what they unpack to starts with a POSIX tar
 * header ("ustar" at offset 257). Only a prefix is inflated; the endpoint's tar checks the rest.
 */
export function isGzipTar(bytes: Buffer): boolean {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return false;
  let start: Buffer;
  try {
    start = gunzipSync(bytes.subarray(0, PREFIX_BYTES), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_EXPANDED_BYTES });
  } catch {
    return false;
  }
  return start.length >= 512 && start.toString('latin1', 257, 262) === 'ustar';
}
