/**
 * The physical lines of an import body, read as the bytes arrive (never the whole body at once):
 * split at LF on the bytes (safe in UTF-8), CR LF accepted, a leading BOM dropped. A line that is
 * not valid UTF-8 or is longer than `maxLineBytes` comes back as a problem with its line number
 * (the rest of a long line is skipped, not buffered); a body over `maxBytes` stops the import.
 * Lines come in batches (one per piece of the body) to keep the per-line cost low.
 */
import { isUtf8 } from 'node:buffer';
import { BadInputError } from '../errors.js';

export type Line = { line: number; text: string; bytes: number } | { line: number; problem: string };

export interface LineLimits {
  maxLineBytes: number;
  maxBytes: number;
}

export class BodyTooLargeError extends BadInputError {
  constructor(maxBytes: number) {
    super(`The import is larger than ${maxBytes} bytes: split the file`, { field: 'body' });
  }
}

/** The body stopped before its end (the client's connection was lost or it aborted). */
export class BodyEndedError extends BadInputError {
  constructor() {
    super('The request body ended early (the connection was lost)', { field: 'body' });
  }
}

export async function* readLines(body: AsyncIterable<Uint8Array>, limits: LineLimits): AsyncGenerator<Line[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false; // inside a line already reported as too long
  let line = 0;
  let total = 0;
  const finish = (piece: Buffer, out: Line[]) => {
    line++;
    if (skipping || pendingBytes + piece.length > limits.maxLineBytes) {
      out.push({ line, problem: `the line is longer than ${limits.maxLineBytes} bytes` });
    } else {
      let bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      if (bytes.length > 0 && bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
      if (line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      if (!isUtf8(bytes)) out.push({ line, problem: 'the line is not valid UTF-8' });
      else out.push({ line, text: bytes.toString('utf8'), bytes: bytes.length });
    }
    pending = [];
    pendingBytes = 0;
    skipping = false;
  };
  const pieces = body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await pieces.next();
    } catch {
      throw new BodyEndedError();
    }
    if (next.done) break;
    const chunk = next.value;
    total += chunk.length;
    if (total > limits.maxBytes) throw new BodyTooLargeError(limits.maxBytes);
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Line[] = [];
    let start = 0;
    for (let at = buf.indexOf(10, start); at >= 0; at = buf.indexOf(10, start)) {
      finish(buf.subarray(start, at), out);
      start = at + 1;
    }
    const rest = buf.subarray(start);
    if (rest.length > 0 && !skipping) {
      if (pendingBytes + rest.length > limits.maxLineBytes) {
        skipping = true;
        pending = [];
        pendingBytes = 0;
      } else {
        // A copy: the stream may reuse its buffer.
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
      }
    }
    if (out.length > 0) yield out;
  }
  if (pendingBytes > 0 || skipping) {
    const out: Line[] = [];
    finish(Buffer.alloc(0), out);
    yield out;
  }
}
