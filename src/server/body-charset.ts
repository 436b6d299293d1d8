import { BodyError } from './body-error';

const CHARSET_PARAMETER = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

/** The charset parameter of a Content-Type header, lower-cased; undefined when it names none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType === undefined ? null : CHARSET_PARAMETER.exec(contentType);
  const charset = match?.[1] ?? match?.[2];
  return charset ? charset.toLowerCase() : undefined;
}

/**
 * The charset a body is to be read in: the one its Content-Type names, or the first accepted when it names none.
 * One the parser cannot read is refused before any of the body is (body-parser's charset.unsupported, 415).
 */
export function acceptedCharset(contentType: string | undefined, accepted: readonly [string, ...string[]]): string {
  const charset = charsetOf(contentType) ?? accepted[0];
  if (!accepted.includes(charset)) {
    throw new BodyError('charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`);
  }
  return charset;
}
