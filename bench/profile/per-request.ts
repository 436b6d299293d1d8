/**
 * What one non-streaming chat request costs Ballast, counted rather than
 * timed: async resources created per request by type (promises, ticks,
 * timers) and bytes allocated per request, with the functions that allocate
 * most. On a shared VM, where CPU per request moves by a third from hour to
 * hour, these counts hold still, so a lever worth 1–2% can be seen. Several
 * builds side by side:
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/profile/per-request.ts [main.js…]
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { writeModelsFile } from '../../test/support/models-file';
import { LOG_DIR, REPO_ROOT, runScript, startBallast, startUpstream } from '../support/children';
import { CHAT_PATH, chatBody, clientHeaders } from '../support/targets';
import { packageOf } from './package-of';
import { signalledDump } from './signalled-dump';

const WARM_UP = 3_000;
const COUNTED = 4_000;
const CONNECTIONS = 8;

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  id: number;
  children: HeapNode[];
}
interface Counted {
  resources: Record<string, number>;
  profile: { head: HeapNode; samples: Array<{ nodeId: number; size: number }> } | null;
}

async function load(pool: Pool, requests: number, body: string): Promise<void> {
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < requests) {
      const response = await pool.request({ method: 'POST', path: CHAT_PATH, headers: clientHeaders(sent++), body });
      await response.body.text();
      if (response.statusCode !== 200) {
        throw new Error(`per-request: status ${response.statusCode}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

async function countBuild(main: string, upstreamOrigin: string, models: string, index: number): Promise<Counted> {
  const out = join(LOG_DIR, `per-request-${index}.json`);
  rmSync(out, { force: true });
  const ballast = await startBallast(
    `per-request-${index}`,
    models,
    { PER_REQUEST_OUT: out },
    ['-r', join(__dirname, 'per-request-counter.js')],
    main,
  );
  const body = chatBody({ name: 'ballast', origin: ballast.origin, model: 'chat' });
  const pool = new Pool(ballast.origin, { connections: CONNECTIONS });
  try {
    await load(pool, WARM_UP, body);
    process.kill(ballast.pid, 'SIGUSR2');
    await load(pool, COUNTED, body);
    return await signalledDump<Counted>(ballast, out);
  } finally {
    await pool.close();
    await ballast.stop();
  }
}

/** Bytes allocated per request by the function that allocated them (inlined callees count for their caller). */
function allocationsByFunction(profile: NonNullable<Counted['profile']>, appRoot: string): Map<string, number> {
  return allocationsBy(profile, (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '').replace(appRoot, '')}:${lineNumber + 1}`;
  });
}

/**
 * The same bytes by the nearest of Ballast's own files on the stack: what Node and the libraries allocate charged
 * to the Ballast code that called them (the framework's own work, before any of Ballast's code, stays with the
 * package). Which layer a change would have to touch.
 */
function allocationsByCallerFile(profile: NonNullable<Counted['profile']>, appRoot: string): Map<string, number> {
  return allocationsBy(profile, (node, callers) => {
    const own = [node, ...callers].find((frame) => frame.callFrame.url.startsWith(appRoot));
    if (own) {
      return own.callFrame.url.replace(appRoot, '');
    }
    const { url } = node.callFrame;
    return `(${packageOf(url) ?? (url.startsWith('node:') ? 'node' : 'native')}, no Ballast caller)`;
  });
}

function allocationsBy(
  profile: NonNullable<Counted['profile']>,
  keyOf: (node: HeapNode, callers: HeapNode[]) => string,
): Map<string, number> {
  const sizeOf = new Map<number, number>();
  for (const sample of profile.samples) {
    sizeOf.set(sample.nodeId, (sizeOf.get(sample.nodeId) ?? 0) + sample.size);
  }
  const byKey = new Map<string, number>();
  const visit = (node: HeapNode, callers: HeapNode[]): void => {
    const bytes = sizeOf.get(node.id);
    if (bytes) {
      const key = keyOf(node, callers);
      byKey.set(key, (byKey.get(key) ?? 0) + bytes / COUNTED);
    }
    const below = [node, ...callers];
    node.children.forEach((child) => visit(child, below));
  };
  visit(profile.head, []);
  return byKey;
}

async function main(): Promise<void> {
  const builds = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/src/main.js'];
  const upstream = await startUpstream('per-request-upstream');
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1` } },
    models: { chat: { route: [{ provider: 'upstream', model: 'bench-model' }] } },
  });
  const out = process.stdout;
  try {
    for (const [index, build] of builds.entries()) {
      const counted = await countBuild(build, upstream.origin, models, index);
      const appRoot = `${resolve(REPO_ROOT, build, '..', '..')}/`;
      const allocations = counted.profile ? allocationsByFunction(counted.profile, appRoot) : new Map<string, number>();
      const total = [...allocations.values()].reduce((sum, bytes) => sum + bytes, 0);
      const perRequest = Object.entries(counted.resources)
        .map(([type, n]) => [type, n / COUNTED] as const)
        .filter(([, n]) => n >= 0.05)
        .sort((a, b) => b[1] - a[1]);
      out.write(`\n${build}: ${COUNTED} chat requests after ${WARM_UP} of warm-up, ${CONNECTIONS} connections\n`);
      out.write(`  async resources per request: ${perRequest.map(([type, n]) => `${type} ${n.toFixed(1)}`).join(', ')}\n`);
      out.write(`  allocated per request: ${(total / 1024).toFixed(1)} KB; most by:\n`);
      for (const [where, bytes] of [...allocations].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 15))) {
        out.write(`    ${(bytes / 1024).toFixed(2).padStart(6)} KB  ${where}\n`);
      }
      if (counted.profile) {
        out.write(`  the same by the nearest of Ballast's files on the stack (what Node and the libraries allocate for it):\n`);
        for (const [file, bytes] of [...allocationsByCallerFile(counted.profile, appRoot)].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
          out.write(`    ${(bytes / 1024).toFixed(2).padStart(6)} KB  ${file}\n`);
        }
      }
    }
  } finally {
    await upstream.stop();
  }
}

runScript(main);
