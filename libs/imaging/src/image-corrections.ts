import { ImageHeader } from './read-image-header';

/** libvips interpretations, grouped into the families a client recognises. */
function colourFamily(space: string): string {
  switch (space) {
    case 'srgb':
    case 'rgb':
    case 'rgb16':
      return 'srgb';
    case 'b-w':
    case 'grey16':
      return 'grey';
    default:
      return space;
  }
}

const BITS: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, double: 64 };

/**
 * The changes normalisation makes that are visible from the header alone.
 * `alpha_flattened`, `resized` and `re_encoded:*` are added by the caller,
 * which knows the decoded pixels.
 */
export function headerCorrections(header: ImageHeader): string[] {
  const corrections: string[] = [];
  if (header.orientation > 1) {
    corrections.push('orientation');
  }
  const family = colourFamily(header.space);
  if (family !== 'srgb') {
    corrections.push(`colour_space:${family}->srgb`);
  }
  const bits = BITS[header.depth] ?? 8;
  if (bits !== 8) {
    corrections.push(`bit_depth:${bits}->8`);
  }
  if (header.pages > 1) {
    corrections.push('first_frame_only');
  }
  return corrections;
}
