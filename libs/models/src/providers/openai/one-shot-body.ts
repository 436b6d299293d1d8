/**
 * A request body that is let go of once it is read. undici keeps a request
 * (and its handler) for as long as the response is read, and with it the
 * body it was given: a string in the handler and its Buffer copy in the
 * request, the whole prompt twice for a stream's whole life. Given this
 * iterable instead, it keeps only this object, empty once written.
 */
export class OneShotBody implements Iterable<Buffer>, Iterator<Buffer> {
  /** For the Content-Length header: without one an iterable body goes chunked. */
  readonly byteLength: number;
  private bytes?: Buffer;

  constructor(text: string) {
    this.bytes = Buffer.from(text);
    this.byteLength = this.bytes.length;
  }

  [Symbol.iterator](): Iterator<Buffer> {
    return this;
  }

  next(): IteratorResult<Buffer> {
    const bytes = this.bytes;
    this.bytes = undefined;
    return bytes ? { done: false, value: bytes } : { done: true, value: undefined };
  }
}
