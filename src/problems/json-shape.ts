import { BallastError } from '@ballast/errors';

export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Values (array items, object members, the containers themselves), counted over the whole body. */
  maxItems: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

function tooManyValues(maxItems: number): BallastError {
  return new BallastError('VALIDATION_FAILED', {
    detail: `The JSON body holds more than ${maxItems} values (array items and object members together).`,
  });
}

/**
 * Refuses a JSON body nested too deep or holding too many values, from its
 * raw bytes, before `JSON.parse` builds a single object: a 12 MB body of
 * 4,000,000 empty objects costs a few hundred MB of heap once parsed, and
 * 10,000 levels of nesting overflow the stack of every recursive walker after
 * the parser (the request schema's parse). No JSON library
 * checks shape before parsing (they parse, then limit), hence this scan. It
 * only counts brackets and commas outside strings; syntax is left to the parser.
 */
export function assertJsonShape(bytes: Uint8Array, limits: JsonShapeLimits): void {
  let depth = 0;
  let items = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) {
        i++;
      } else if (byte === QUOTE) {
        inString = false;
      }
      continue;
    }
    if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++items > limits.maxItems) {
        throw tooManyValues(limits.maxItems);
      }
      if (++depth > limits.maxDepth) {
        throw new BallastError('VALIDATION_FAILED', {
          detail: `The JSON body is nested more than ${limits.maxDepth} levels deep.`,
        });
      }
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    } else if (byte === COMMA && ++items > limits.maxItems) {
      throw tooManyValues(limits.maxItems);
    }
  }
}
