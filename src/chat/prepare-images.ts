import { decodeDataUrlOrBase64, ImagePipeline, toDataUrl } from '@ballast/imaging';

type Part = { type?: string; image_url?: { url?: string; [key: string]: unknown } };
type Message = { content?: unknown; [key: string]: unknown };

/**
 * `data:` images go through the same validation and normalisation as
 * uploads before any model sees them; http(s) URLs are passed on untouched
 * (Ballast never fetches a URL). Returns new messages; the input is not changed.
 */
export async function prepareImages(messages: Message[], pipeline: ImagePipeline, maxBytes: number): Promise<Message[]> {
  return Promise.all(
    messages.map(async (message, m) => {
      if (!Array.isArray(message.content) || !message.content.some(isDataImage)) {
        return message;
      }
      const content = await Promise.all(
        (message.content as Part[]).map(async (part, p) => {
          if (!isDataImage(part)) {
            return part;
          }
          const field = `messages[${m}].content[${p}].image_url.url`;
          const image = await pipeline.process(decodeDataUrlOrBase64(part.image_url!.url!, maxBytes, field));
          return { ...part, image_url: { ...part.image_url, url: toDataUrl(image) } };
        }),
      );
      return { ...message, content };
    }),
  );
}

function isDataImage(part: unknown): part is Part {
  const url = (part as Part)?.image_url?.url;
  return (part as Part)?.type === 'image_url' && typeof url === 'string' && url.startsWith('data:');
}
