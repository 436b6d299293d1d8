import sharp from 'sharp';
import { BallastError } from '@ballast/errors';
import { ImagePipeline } from './image-pipeline';

const FOREIGN_TEXT = /vips|sharp|libpng|heif|jpeglib|gifload|\/tmp/i;

async function noise(width: number, height: number): Promise<sharp.Sharp> {
  const raw = await sharp({
    create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .raw()
    .toBuffer();
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

async function outcome(pipeline: ImagePipeline, bytes: Buffer): Promise<string> {
  try {
    await pipeline.process(bytes);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(BallastError);
    const { code, detail } = err as BallastError;
    expect(detail).not.toMatch(FOREIGN_TEXT);
    return code;
  }
}

describe('normalisation', () => {
  const pipeline = new ImagePipeline({ maxBytes: 4 * 1024 * 1024, maxPixels: 10_000_000, maxSide: 1024 });

  it('fits the longest side inside maxSide and never enlarges', async () => {
    const wide = await pipeline.process(await (await noise(3000, 1000)).jpeg().toBuffer());
    expect([wide.width, wide.height]).toEqual([1024, 341]);
    expect(wide.corrections).toEqual(['resized', 're_encoded:jpeg']);
    const small = await pipeline.process(await (await noise(50, 20)).png().toBuffer());
    expect([small.width, small.height]).toEqual([50, 20]);
    expect(small.corrections).toEqual(['re_encoded:png']);
  });

  it('turns greyscale into sRGB', async () => {
    const grey = await (await noise(40, 40)).toColourspace('b-w').png().toBuffer();
    const result = await pipeline.process(grey);
    expect(result.corrections).toContain('colour_space:grey->srgb');
    expect((await sharp(result.data).metadata()).channels).toBe(3);
  });

  it('does not report flattening for an alpha channel that is fully opaque', async () => {
    const opaque = await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 1 } } })
      .png()
      .toBuffer();
    expect((await pipeline.process(opaque)).corrections).toEqual(['re_encoded:png']);
  });

  it('strips text chunks and ICC profiles, and says so', async () => {
    const tagged = await (await noise(20, 20)).withIccProfile('p3').png().toBuffer();
    const result = await pipeline.process(tagged);
    expect(result.corrections).toContain('metadata_stripped');
    const meta = await sharp(result.data).metadata();
    expect([meta.icc, meta.exif, meta.xmp]).toEqual([undefined, undefined, undefined]);
  });

  it('accepts a Uint8Array as well as a Buffer', async () => {
    const png = await (await noise(8, 8)).png().toBuffer();
    const result = await pipeline.process(new Uint8Array(png));
    expect(result.original).toEqual({ width: 8, height: 8, format: 'png', bytes: png.length });
  });

  it('says a truncated PNG ends early', async () => {
    const png = await (await noise(200, 200)).png().toBuffer();
    const err = (await pipeline.process(png.subarray(0, png.length / 2)).catch((e: unknown) => e)) as BallastError;
    expect(err.code).toBe('IMAGE_UNREADABLE');
    expect(err.detail).toMatch(/^The PNG data ends early/);
  });

  it('answers damaged files of every format with a BallastError, never a foreign one', async () => {
    const scene = await noise(96, 64);
    const sources = await Promise.all(
      (['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const).map((format) => scene.clone().toFormat(format).toBuffer()),
    );
    const codes = new Set<string>();
    for (const source of sources) {
      for (const cut of [0.05, 0.3, 0.7, 0.97]) {
        codes.add(await outcome(pipeline, source.subarray(0, Math.max(1, Math.floor(source.length * cut)))));
      }
      for (let seed = 1; seed <= 6; seed++) {
        const damaged = Buffer.from(source);
        for (let i = 10 + seed; i < damaged.length; i += 37 * seed) {
          damaged[i] ^= 0xa5;
        }
        codes.add(await outcome(pipeline, damaged));
      }
    }
    expect(codes.has('INTERNAL_ERROR')).toBe(false);
    expect(codes.has('IMAGE_UNREADABLE')).toBe(true);
  });

  it('refuses limits that make no sense', () => {
    expect(() => new ImagePipeline({ maxSide: 0 })).toThrow(RangeError);
    expect(() => new ImagePipeline({ maxPixels: Number.NaN })).toThrow(RangeError);
  });
});
