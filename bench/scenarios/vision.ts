/** Vision: ImagePipeline on a 12 MP JPEG next to raw sharp doing the same resize, and embedded OCR latency. */
import { ImagePipeline } from '@ballast/imaging';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { request } from 'undici';
import { benchmarkJpeg, OCR_TEXT, renderTextImage } from '../../test/fixtures/generate-fixtures';
import { BenchSettings } from '../support/settings';
import { LatencySummary, summarise } from '../support/stats';
import { clientHeaders } from '../support/targets';

export interface VisionFigure {
  imageBytes: number;
  /** Validate + normalise (decode, orient, fit in 2048, sRGB, strip, re-encode JPEG q90), images/s. */
  pipelinePerSecond: number;
  /** sharp alone: autoOrient + the same resize + JPEG q90, images/s. */
  rawSharpPerSecond: number;
  ocr: LatencySummary & { correct: number; samples: number };
}

/** As many loops as cores, each processing one image after another until time is up. */
async function imagesPerSecond(durationMs: number, work: () => Promise<unknown>): Promise<number> {
  await work(); // warm-up
  const until = performance.now() + durationMs;
  const startedAt = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: availableParallelism() }, async () => {
      while (performance.now() < until) {
        await work();
        done++;
      }
    }),
  );
  return done / ((performance.now() - startedAt) / 1000);
}

export async function visionThroughput(settings: BenchSettings): Promise<Omit<VisionFigure, 'ocr'>> {
  const jpeg = await benchmarkJpeg();
  const pipeline = new ImagePipeline();
  const { maxSide } = pipeline.limits;
  const raw = () =>
    sharp(jpeg)
      .autoOrient()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 90 })
      .toBuffer();
  // Alternate so neither gets the quieter moment on a shared machine.
  const half = settings.visionMs / 2;
  const rawA = await imagesPerSecond(half, raw);
  const pipelineA = await imagesPerSecond(half, () => pipeline.process(jpeg));
  const pipelineB = await imagesPerSecond(half, () => pipeline.process(jpeg));
  const rawB = await imagesPerSecond(half, raw);
  return { imageBytes: jpeg.length, pipelinePerSecond: (pipelineA + pipelineB) / 2, rawSharpPerSecond: (rawA + rawB) / 2 };
}

/** POST /v1/vision/ocr one image at a time: the embedded model's latency as a client sees it. */
export async function ocrLatency(origin: string, settings: BenchSettings): Promise<VisionFigure['ocr']> {
  const image = (await renderTextImage(OCR_TEXT)).toString('base64');
  const body = JSON.stringify({ image });
  const latencies: number[] = [];
  let correct = 0;
  for (let i = 0; i <= settings.ocrSamples; i++) {
    const startedAt = performance.now();
    const response = await request(`${origin}/v1/vision/ocr`, { method: 'POST', headers: clientHeaders(i), body });
    const answer = (await response.body.json()) as { text?: string };
    if (i === 0) {
      continue; // warm-up
    }
    latencies.push(performance.now() - startedAt);
    if (response.statusCode === 200 && answer.text?.replace(/\s+/g, ' ').includes(OCR_TEXT)) {
      correct++;
    }
  }
  return { ...summarise(latencies), correct, samples: latencies.length };
}
