/** The situations body-parser told apart by its error `type`; classifyError (@ballast/errors) maps each to a code and detail. */
export type BodyErrorType =
  'entity.too.large' | 'encoding.unsupported' | 'encoding.invalid' | 'charset.unsupported' | 'request.aborted' | 'request.size.invalid';

/** A request body refused while it is read, raised the way body-parser raised it: the taxonomy keys on `type`. */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  /** entity.too.large: the limit that was passed, in bytes, which the client is told. */
  readonly limit?: number;

  constructor(
    readonly type: BodyErrorType,
    message: string,
    options: { limit?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.limit = options.limit;
  }
}
