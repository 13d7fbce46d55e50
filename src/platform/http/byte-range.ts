// One `Range: bytes=…` request header read against a file's size (RFC 9110 §14): a single range, or none. Several
// ranges in one header are answered as the whole file (a server may ignore Range), which every media player accepts.

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/** `satisfiable: false` is a 416; `range: null` is the whole file (no header, or one we choose to ignore). */
export type RangeRequest = { satisfiable: true; range: ByteRange | null } | { satisfiable: false };

export function parseByteRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { satisfiable: true, range: null };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { satisfiable: true, range: null };
  if (match[1] === '') {
    // A suffix: the last N bytes.
    const length = Number(match[2]);
    if (length === 0 || size === 0) return { satisfiable: false };
    return { satisfiable: true, range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return { satisfiable: false };
  return { satisfiable: true, range: { start, end } };
}

/** The Content-Range value of a 206 (or, with range null, of a 416: `bytes *\/size`). */
export function contentRangeOf(range: ByteRange | null, size: number): string {
  return range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}
