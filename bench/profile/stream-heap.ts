/**
 * What one open stream holds in Ballast's heap: two heap snapshots of a
 * fresh Ballast (after a warm-up, then with N slow streams open), the
 * objects counted by kind and constructor, and the difference divided by N.
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/profile/stream-heap.ts [N] [main.js]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { writeModelsFile } from '../../test/support/models-file';
import { openStreams } from '../load/sse';
import { Child, killAllChildren, LOG_DIR, setUpstreamFault, startBallast, startUpstream } from '../support/children';
import { CHAT_PATH, chatBody } from '../support/targets';

type Counts = Map<string, { count: number; bytes: number }>;

/** Nodes of a V8 heap snapshot by `type:name` (closures by function name, objects by constructor). */
function countSnapshot(file: string): Counts {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  const counts: Counts = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + typeAt]];
    if (type === 'hidden' || type === 'synthetic') {
      continue;
    }
    const name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : snapshot.strings[snapshot.nodes[i + nameAt]];
    const key = `${type}:${name.slice(0, 60)}`;
    const entry = counts.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[i + sizeAt];
    counts.set(key, entry);
  }
  return counts;
}

/** RSS, V8 heap and external memory as Ballast's own /metrics reports them, MB. */
async function memoryLine(ballast: Child): Promise<string> {
  const text = await (await request(`${ballast.origin}/metrics`)).body.text();
  const read = (name: string) => Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? NaN) / 2 ** 20;
  return ['process_resident_memory_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes']
    .map((name) => `${name.replace(/_bytes$/, '')} ${read(name).toFixed(1)} MB`)
    .join(', ');
}

async function snapshot(ballast: Child, label: string): Promise<Counts> {
  process.stderr.write(`${label}: ${await memoryLine(ballast)}\n`);
  const before = new Set(readdirSync(LOG_DIR));
  process.kill(ballast.pid, 'SIGUSR2');
  for (let waited = 0; waited < 120_000; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
    const written = readdirSync(LOG_DIR).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (written) {
      const path = join(LOG_DIR, written);
      // Written in pieces: wait until it is whole (the JSON closes).
      let text = readFileSync(path, 'utf8');
      while (!text.trimEnd().endsWith('}')) {
        await new Promise((r) => setTimeout(r, 500));
        text = readFileSync(path, 'utf8');
      }
      process.stderr.write(`${label}: ${path} (${Math.round(text.length / 1e6)} MB)\n`);
      const counts = countSnapshot(path);
      if (!process.env.HEAP_KEEP) {
        rmSync(path);
      }
      return counts;
    }
  }
  throw new Error('no heap snapshot written');
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 500);
  const main = process.argv[3] ?? 'dist/src/main.js';
  const upstream = await startUpstream('upstream', { chunks: 10 });
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1`, maxConcurrency: 10_000, maxQueue: 1_000 } },
    models: { chat: { route: [{ provider: 'upstream', model: 'bench-model' }] } },
  });
  // The snapshot lands in the child's working directory: the log directory.
  const ballast = await startBallast(
    'ballast-heap',
    models,
    { MAX_CONNECTIONS: String(4 * n + 100) },
    ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${LOG_DIR}`],
    main,
  );
  const target = { name: 'ballast' as const, origin: ballast.origin, model: 'chat' };
  try {
    await setUpstreamFault(upstream, { kind: 'drip', intervalMs: 20_000 });
    await (await openStreams(ballast.origin, CHAT_PATH, chatBody(target, true), 200)).closeAll();
    await new Promise((r) => setTimeout(r, 2_000));
    const base = await snapshot(ballast, 'baseline');
    const held = await openStreams(ballast.origin, CHAT_PATH, chatBody(target, true), n);
    await new Promise((r) => setTimeout(r, 2_000));
    const open = held.open;
    const loaded = await snapshot(ballast, `${open} open`);
    await held.closeAll();
    const rows = [...loaded.entries()]
      .map(([key, { count, bytes }]) => ({
        key,
        perStream: (count - (base.get(key)?.count ?? 0)) / open,
        bytesPerStream: (bytes - (base.get(key)?.bytes ?? 0)) / open,
      }))
      .filter((row) => row.perStream >= 0.5)
      .sort((a, b) => b.bytesPerStream - a.bytesPerStream);
    const byType = new Map<string, { count: number; bytes: number }>();
    for (const row of rows) {
      const type = row.key.split(':')[0];
      const entry = byType.get(type) ?? { count: 0, bytes: 0 };
      entry.count += row.perStream;
      entry.bytes += row.bytesPerStream;
      byType.set(type, entry);
    }
    console.log(`per open stream (${open} open), by kind:`);
    for (const [type, { count, bytes }] of [...byType.entries()].sort((a, b) => b[1].bytes - a[1].bytes)) {
      console.log(`  ${type.padEnd(22)} ${count.toFixed(1).padStart(7)}  ${(bytes / 1024).toFixed(2).padStart(7)} KB`);
    }
    const total = rows.reduce((sum, row) => sum + row.bytesPerStream, 0);
    console.log(`  total ${(total / 1024).toFixed(1)} KB`);
    console.log('top entries (count per stream, bytes per stream):');
    for (const row of rows.slice(0, 70)) {
      console.log(`  ${row.perStream.toFixed(1).padStart(6)} ${Math.round(row.bytesPerStream).toString().padStart(6)} B  ${row.key}`);
    }
  } finally {
    await setUpstreamFault(upstream, undefined).catch(() => undefined);
    await ballast.stop();
    await upstream.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  killAllChildren();
  process.exit(1);
});
