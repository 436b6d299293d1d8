import { ImagePipeline } from '@ballast/imaging';
import sharp from 'sharp';
import { prepareImages } from './prepare-images';

async function pngUrl(width: number, height: number): Promise<string> {
  const png = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

const message = (urls: string[]) => ({ role: 'user', content: urls.map((url) => ({ type: 'image_url', image_url: { url } })) });

describe('prepareImages', () => {
  const pipeline = new ImagePipeline({ maxPixels: 40_000_000, decodeConcurrency: 1 });
  const budget = { maxBytes: 1024 * 1024, maxImages: 3, maxPixelsTotal: 25_000 };

  it('refuses more images than the budget before reading any of them', async () => {
    const inspect = jest.spyOn(pipeline, 'inspect');
    await expect(prepareImages([message(['data:a', 'data:b', 'data:c', 'data:d'])], pipeline, budget)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      detail: expect.stringMatching(/4 data: images; at most 3/),
    });
    expect(inspect).not.toHaveBeenCalled();
    inspect.mockRestore();
  });

  it('refuses more declared pixels than the budget before decoding any image', async () => {
    const normalise = jest.spyOn(pipeline, 'normalise');
    const url = await pngUrl(100, 100);
    await expect(prepareImages([message([url, url]), message([url])], pipeline, budget)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      detail: expect.stringMatching(/0\.0 megapixels together/),
    });
    expect(normalise).not.toHaveBeenCalled();
    normalise.mockRestore();
  });

  it('normalises what fits, in place of each data: URL, and leaves http(s) URLs and the input alone', async () => {
    const url = await pngUrl(100, 100);
    const input = [message([url, 'https://example.com/a.png']), { role: 'user', content: 'hi' }];
    const output = await prepareImages(input, pipeline, budget);
    const parts = output[0].content as Array<{ image_url: { url: string } }>;
    expect(parts[0].image_url.url).toMatch(/^data:image\/png;base64,/);
    expect(parts[1].image_url.url).toBe('https://example.com/a.png');
    expect((input[0].content as Array<{ image_url: { url: string } }>)[0].image_url.url).toBe(url);
    expect(output[1]).toBe(input[1]);
  });
});
