/**
 * What this machine charges for work that follows a pause: the same fixed piece of JavaScript, timed when it runs
 * back to back and when it runs after the process sat idle for 1, 5, 20 or 50 ms (medians of `--n` runs, the gaps
 * alternated round by round). Two workloads: `request-like` (400 small functions over 400 objects, a request
 * path's shape: many distinct pieces of code touched once each) and `validation` (one chat body from JSON through
 * Ballast's own chat schema, 20 times). No server, no sockets: whatever the gap adds is the machine's (caches and
 * a vCPU that went idle), and a process between a client and its upstream pays it on every request that finds it
 * idle — as one stream at a time does (bench/profile/first-chunk.ts).
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/micro/cold-work.ts [--n=100]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { chatCompletionRequestSchema } from '../../src/chat/dto/chat-completion-request.schema';
import { median } from '../support/stats';

const GAPS_MS = [0, 1, 5, 20, 50];
const WARM_UP = 2_000;

const functions = Array.from(
  { length: 400 },
  (_, i) =>
    // Distinct code per function, as a request's layers are: one compiled function body each.
    new Function('o', `let s = ${i}; for (const k in o) s += typeof o[k] === 'number' ? o[k] : o[k].length; return s;`) as (
      o: object,
    ) => number,
);
const objects = Array.from({ length: 400 }, (_, i) => ({ a: i, b: i * 2, c: `x${i}`, d: [i, i + 1], [`k${i}`]: i }));
const chatBody = JSON.stringify({
  model: 'chat',
  stream: true,
  max_tokens: 256,
  messages: [
    { role: 'system', content: 'You are terse.' },
    ...Array.from({ length: 10 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` })),
  ],
});

const workloads: Record<string, () => number> = {
  'request-like': () => {
    let sum = 0;
    for (let i = 0; i < functions.length; i++) {
      sum += functions[i](objects[(i * 7) % objects.length]);
    }
    return sum;
  },
  validation: () => {
    let fields = 0;
    for (let i = 0; i < 20; i++) {
      fields += Object.keys(chatCompletionRequestSchema.parse(JSON.parse(chatBody))).length;
    }
    return fields;
  },
};

async function main(): Promise<void> {
  const n = Number(process.argv.find((arg) => arg.startsWith('--n='))?.split('=')[1] ?? 100);
  let sink = 0;
  for (const work of Object.values(workloads)) {
    for (let i = 0; i < WARM_UP; i++) {
      sink += work();
    }
  }
  const out = process.stdout;
  out.write(`median µs of ${n} runs after each gap (the gaps alternated run by run)\n\n`);
  out.write(`workload       ${GAPS_MS.map((gap) => `${gap} ms idle`.padStart(11)).join('')}   50 ms / back to back\n`);
  for (const [name, work] of Object.entries(workloads)) {
    const times = new Map<number, number[]>(GAPS_MS.map((gap) => [gap, []]));
    for (let round = 0; round < n; round++) {
      for (const gap of GAPS_MS) {
        // "Back to back": the run follows one just made, with only a turn of the event loop between.
        if (gap === 0) {
          sink += work();
          await new Promise((resolve) => setImmediate(resolve));
        } else {
          await sleep(gap);
        }
        const started = performance.now();
        sink += work();
        times.get(gap)!.push((performance.now() - started) * 1000);
      }
    }
    const medians = GAPS_MS.map((gap) => median(times.get(gap)!));
    out.write(
      `${name.padEnd(14)} ${medians.map((us) => us.toFixed(0).padStart(11)).join('')}   ${(medians.at(-1)! / medians[0]).toFixed(2)}×\n`,
    );
  }
  // Keeps the work observable, so that nothing of it can be optimised away.
  if (sink === Number.MIN_VALUE) {
    out.write('\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`cold-work failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
