import { BallastError } from '@ballast/errors';
import { decodeDataUrlOrBase64, ImagePipeline, InspectedImage, toDataUrl } from '@ballast/imaging';

type Part = { type?: string; image_url?: { url?: string; [key: string]: unknown } };
type Message = { content?: unknown; [key: string]: unknown };

export interface ImageBudget {
  /** Bytes of one image (decoded from base64). */
  maxBytes: number;
  /** `data:` images in one request. */
  maxImages: number;
  /** Declared width × height of all `data:` images of one request together. */
  maxPixelsTotal: number;
}

interface Found {
  message: number;
  part: number;
  url: string;
}

function dataImages(messages: Message[]): Found[] {
  const found: Found[] = [];
  messages.forEach((message, m) => {
    if (Array.isArray(message.content)) {
      (message.content as unknown[]).forEach((part, p) => {
        if (isDataImage(part)) {
          found.push({ message: m, part: p, url: part.image_url!.url! });
        }
      });
    }
  });
  return found;
}

/**
 * `data:` images go through the same validation and normalisation as
 * uploads before any model sees them; http(s) URLs are passed on untouched
 * (Ballast never fetches a URL). The request's image budget (count, then the
 * pixels every header declares) is checked before a single image is decoded;
 * decodes then take their turn in the pipeline's bounded pool. Returns new
 * messages; the input is not changed.
 */
export async function prepareImages(messages: Message[], pipeline: ImagePipeline, budget: ImageBudget): Promise<Message[]> {
  const found = dataImages(messages);
  if (found.length === 0) {
    return messages;
  }
  if (found.length > budget.maxImages) {
    throw new BallastError('IMAGE_TOO_LARGE', {
      detail: `The request carries ${found.length} data: images; at most ${budget.maxImages} are accepted in one request. Send fewer images.`,
    });
  }
  const inspected: InspectedImage[] = [];
  for (const image of found) {
    const field = `messages[${image.message}].content[${image.part}].image_url.url`;
    inspected.push(await pipeline.inspect(decodeDataUrlOrBase64(image.url, budget.maxBytes, field)));
  }
  const pixels = inspected.reduce((sum, image) => sum + image.pixels, 0);
  if (pixels > budget.maxPixelsTotal) {
    throw new BallastError('IMAGE_TOO_LARGE', {
      detail:
        `The images of this request are ${(pixels / 1e6).toFixed(1)} megapixels together; ` +
        `at most ${(budget.maxPixelsTotal / 1e6).toFixed(1)} are accepted in one request. Downscale or send fewer images.`,
    });
  }
  const normalised = await Promise.all(inspected.map((image) => pipeline.normalise(image)));
  const copy = messages.map((message) => (Array.isArray(message.content) ? { ...message, content: [...message.content] } : message));
  found.forEach((image, i) => {
    const content = copy[image.message].content as Part[];
    const part = content[image.part];
    content[image.part] = { ...part, image_url: { ...part.image_url, url: toDataUrl(normalised[i]) } };
  });
  return copy;
}

function isDataImage(part: unknown): part is Part {
  const url = (part as Part)?.image_url?.url;
  return (part as Part)?.type === 'image_url' && typeof url === 'string' && url.startsWith('data:');
}
