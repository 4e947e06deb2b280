/**
 * Reads a `ves presign` shard a line at a time with `k6/experimental/fs` (open in the init
 * context, then seek/read at run time), so that a VU holds one chunk of its shard instead of the
 * whole file (what `open()` would give every VU that opens it), and can choose its shard at run
 * time (`exec.vu.idInTest`, distinct across execution segments). k6 keeps each file opened with
 * `k6/experimental/fs` once per process, shared by its VUs (docs/SCALE.md, "Memory").
 *
 * @module shard_reader
 */

const CHUNK = 1 << 20;
const SLICE = 8192; // String.fromCharCode.apply's argument count per call

/** Bytes -> string for an ASCII corpus (ves presign's default; `--utf8` corpora are refused). */
function ascii(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += SLICE) {
    const part = bytes.subarray(i, Math.min(i + SLICE, bytes.length));
    for (let j = 0; j < part.length; j++) {
      if (part[j] > 0x7f) throw new Error('a corpus line holds a non-ASCII byte: make the corpus without --utf8 for replay with shard_reader');
    }
    out += String.fromCharCode.apply(null, part);
  }
  return out;
}

export class ShardReader {
  /** @param {{read(buf: Uint8Array): Promise<number|null>}} file a k6/experimental/fs File */
  constructor(file, chunkBytes = CHUNK) {
    this.file = file;
    this.buf = new Uint8Array(chunkBytes);
    this.pending = '';
    this.lines = [];
    this.eof = false;
    this.read = 0;
  }

  /** The next non-empty line, or null at the end of the shard. */
  async nextLine() {
    while (this.lines.length === 0 && !this.eof) await this.fill();
    if (this.lines.length === 0) return null;
    this.read++;
    return this.lines.shift();
  }

  async fill() {
    const n = await this.file.read(this.buf);
    if (n === null || n === 0) {
      this.eof = true;
      if (this.pending.length > 0) this.lines.push(this.pending);
      this.pending = '';
      return;
    }
    const parts = (this.pending + ascii(this.buf.subarray(0, n))).split('\n');
    this.pending = parts.pop();
    for (const p of parts) if (p.length > 0) this.lines.push(p);
  }
}
