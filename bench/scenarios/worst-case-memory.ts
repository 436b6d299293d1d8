/** RSS of one replica under 50 concurrent worst-case-but-valid chat requests (issue 12's memory budget, measured). */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { request } from 'undici';
import { Child } from '../support/children';
import { rssKb } from '../support/proc-stats';
import { clientHeaders } from '../support/targets';

export interface WorstCaseFigure {
  concurrent: number;
  bodyBytes: number;
  baselineMb: number;
  peakMb: number;
  /** A few seconds after the last answer. */
  settledMb: number;
  ok: number;
  seconds: number;
}

export const WORST_CASE_CONCURRENCY = 50;
/** CHAT_MAX_IMAGES and just under CHAT_MAX_IMAGE_PIXELS_TOTAL (16 × 6 MP = 96 MP), at their defaults. */
const IMAGES = 16;
const SIDE = 2450;

/** One chat request at the edge of every default limit that matters for memory: every image decoded and normalised. */
async function worstCaseBody(): Promise<string> {
  const png = await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } };
  const text = { type: 'text', text: 'Describe these. '.repeat(30_000) };
  return JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: [text, ...Array.from({ length: IMAGES }, () => image)] }] });
}

export async function worstCaseMemory(ballast: Child): Promise<WorstCaseFigure> {
  const body = await worstCaseBody();
  const baselineMb = rssKb(ballast.pid) / 1024;
  let peakMb = baselineMb;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssKb(ballast.pid) / 1024)), 20);
  const startedAt = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: WORST_CASE_CONCURRENCY }, async (_, i) => {
      const response = await request(`${ballast.origin}/v1/chat/completions`, { method: 'POST', headers: clientHeaders(i), body });
      await response.body.dump();
      return response.statusCode;
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 3000)); // let the allocator give memory back
  clearInterval(sampler);
  return {
    concurrent: WORST_CASE_CONCURRENCY,
    bodyBytes: Buffer.byteLength(body),
    baselineMb,
    peakMb,
    settledMb: rssKb(ballast.pid) / 1024,
    ok: statuses.filter((status) => status === 200).length,
    seconds,
  };
}
