import { writeModelsFile } from '../test/support/models-file';
import { streaming } from './scenarios/streaming';
import { startBallast, startUpstream } from './support/children';
import { benchSettings } from './support/settings';

async function main() {
  const settings = { ...benchSettings(), streamSamples: Number(process.env.SAMPLES ?? 200) };
  const upstream = await startUpstream('upstream', { chunks: 10 });
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1`, maxConcurrency: 10_000, maxQueue: 1_000 } },
    models: { chat: { route: [{ provider: 'upstream', model: 'bench-model' }] } },
  });
  const ballast = await startBallast('ballast', models);
  try {
    const figure = await streaming(
      upstream,
      [
        { name: 'direct', origin: upstream.origin, model: 'bench-model' },
        { name: 'ballast', origin: ballast.origin, model: 'chat', process: ballast },
      ] as never,
      settings,
    );
    console.log(JSON.stringify({ main: process.env.BENCH_BALLAST_MAIN, firstChunk: figure.firstChunk, laterChunks: figure.laterChunks, failures: figure.failures }));
  } finally {
    await ballast.stop();
    await upstream.stop();
  }
}
void main();
