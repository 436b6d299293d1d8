import { mkdtemp, readFile, rm } from 'fs/promises';
import { tmpdir } from 'os';
import path from 'path';
import sharp from 'sharp';
import { BallastError } from '@ballast/errors';
// eslint-disable-next-line no-restricted-imports -- the shared image fixtures live in test/; specs may read them
import { Fixture, FixtureName, generateFixtures } from '../../../test/fixtures/generate-fixtures';
import { ImagePipeline } from './image-pipeline';
import { NormalisedImage } from './normalised-image';

const MAX_BYTES = 1024 * 1024;
const FOREIGN_TEXT = /vips|sharp|libpng|heif|jpeglib|gifload|\/tmp|\.(?:c|cc|ts|js):\d/i;

describe('ImagePipeline with the generated fixtures', () => {
  const pipeline = new ImagePipeline({ maxBytes: MAX_BYTES, maxPixels: 40_000_000, maxSide: 2048 });
  let fixtures: Record<FixtureName, Fixture>;
  const outcome = new Map<FixtureName, NormalisedImage | BallastError>();

  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ballast-imaging-spec-'));
    fixtures = await generateFixtures(dir, { oversizeLimit: MAX_BYTES });
    for (const name of Object.keys(fixtures) as FixtureName[]) {
      const bytes = await readFile(fixtures[name].path);
      outcome.set(
        name,
        await pipeline.process(bytes).catch((err: unknown) => {
          if (!(err instanceof BallastError)) {
            throw new Error(`${name} threw a non-BallastError: ${String(err)}`);
          }
          return err;
        }),
      );
    }
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  const image = (name: FixtureName): NormalisedImage => {
    const result = outcome.get(name);
    if (!result || result instanceof BallastError) {
      throw new Error(`${name} was refused: ${result?.code} ${result?.detail}`);
    }
    return result;
  };

  it('answers every fixture with its expected status and code, and never leaks foreign error text', () => {
    for (const name of Object.keys(fixtures) as FixtureName[]) {
      const result = outcome.get(name)!;
      const actual = result instanceof BallastError ? { status: result.status, code: result.code } : { status: 200 };
      const expected = fixtures[name].expectCode
        ? { status: fixtures[name].expectStatus, code: fixtures[name].expectCode }
        : { status: fixtures[name].expectStatus };
      expect({ name, ...actual }).toEqual({ name, ...expected });
      if (result instanceof BallastError) {
        expect(result.detail).not.toMatch(FOREIGN_TEXT);
      }
    }
  });

  it('applies EXIF orientation 6: stored 300x200 comes back 200x300, the top-left mark now top-right, no EXIF left', async () => {
    const result = image('exif-orientation-6-jpeg');
    expect(result.original).toMatchObject({ width: 300, height: 200, format: 'jpeg' });
    expect([result.width, result.height]).toEqual([200, 300]);
    expect(result.corrections).toEqual(expect.arrayContaining(['orientation', 'metadata_stripped']));
    const meta = await sharp(result.data).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    const { data, info } = await sharp(result.data).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
    expect(at(info.width - 5, 5)[0]).toBeGreaterThan(200);
    expect(at(5, 5)[0]).toBeLessThan(100);
  });

  it('converts CMYK to sRGB and says so', async () => {
    const result = image('cmyk-jpeg');
    expect(result.corrections).toContain('colour_space:cmyk->srgb');
    const meta = await sharp(result.data).metadata();
    expect([meta.space, meta.channels]).toEqual(['srgb', 3]);
  });

  it('reduces 16-bit to 8-bit', async () => {
    const result = image('png-16-bit');
    expect(result.corrections).toContain('bit_depth:16->8');
    expect((await sharp(result.data).metadata()).depth).toBe('uchar');
  });

  it('flattens transparency onto white', async () => {
    const result = image('transparent-png');
    expect(result.corrections).toContain('alpha_flattened');
    const { data, info } = await sharp(result.data).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    expect(Array.from(data.subarray(0, 3))).toEqual([255, 255, 255]);
  });

  it('keeps only the first frame of an animated GIF (the red one)', async () => {
    const result = image('animated-gif');
    expect(result.corrections).toContain('first_frame_only');
    expect([result.width, result.height]).toEqual([40, 30]);
    const meta = await sharp(result.data).metadata();
    expect(meta.pages ?? 1).toBe(1);
    const { data } = await sharp(result.data).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(result.corrections).not.toContain('alpha_flattened');
  });

  it('re-encodes lossy sources as JPEG and lossless ones as PNG, always listing it', () => {
    expect(image('normal-jpeg')).toMatchObject({ format: 'jpeg', mimeType: 'image/jpeg' });
    expect(image('progressive-jpeg').format).toBe('jpeg');
    expect(image('webp').format).toBe('jpeg');
    expect(image('avif').format).toBe('jpeg');
    expect(image('tiff').format).toBe('png');
    expect(image('ocr-text-png')).toMatchObject({ format: 'png', mimeType: 'image/png' });
    expect(image('normal-jpeg').corrections).toEqual(['re_encoded:jpeg']);
  });

  it('names what a refused file looks like', () => {
    const detail = (name: FixtureName) => (outcome.get(name) as BallastError).detail;
    expect(detail('svg')).toBe('SVG images are not accepted; send JPEG, PNG, WebP, GIF, TIFF or AVIF.');
    expect(detail('pdf')).toMatch(/^PDF documents are not accepted/);
    expect(detail('text-as-jpg')).toMatch(/^The file is text, not an image/);
    expect(detail('zero-bytes')).toBe('The image is empty.');
    expect(detail('truncated-jpeg')).toMatch(/^The JPEG data ends early \(truncated file\)/);
    expect(detail('png-bomb-30000')).toMatch(/30000x30000/);
  });

  it('refuses the 30000x30000 PNG bomb in well under a second without decoding it', async () => {
    const bytes = await readFile(fixtures['png-bomb-30000'].path);
    expect(bytes.length).toBeLessThan(2048);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    await expect(pipeline.process(bytes)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });
});
