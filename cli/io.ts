// Output helpers that respect backpressure, so piping a large preview into `head` or a
// slow consumer neither buffers the whole run in memory nor crashes on EPIPE.
import type { Writable } from 'node:stream';

/** Writes text (or bytes) and waits for the stream to drain when its buffer is full. */
export function writeOut(stream: Writable, text: string | Buffer): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stream.off('error', fail);
      resolve();
    };
    const fail = (err: Error): void => {
      stream.off('drain', done);
      reject(err);
    };
    stream.once('drain', done);
    stream.once('error', fail);
  });
}

/** The standard streams a command writes to; tests pass their own. */
export interface Console2 {
  out: Writable;
  err: Writable;
}
