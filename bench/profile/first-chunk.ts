/**
 * Where a stream's first chunk spends its time, phase by phase, going direct, through the bare proxy, the
 * framework floor (bench/framework-floor.ts) and each Ballast build: one stream at a time (as the streaming
 * figure sends them), the upstream dripping chunks 5 ms apart and stamping each as it writes it. The middle processes carry
 * first-chunk-probe.js, which times on the wall clock (shared by every process on this machine) when a
 * request arrived, when the upstream call was made and sent, when the upstream's headers came back and
 * when the first byte of the answer was written; the client times the send and the first event's arrival.
 * `--plain` sends non-streaming requests instead (the "first event" is then the whole answer): the same request
 * path without the stream. `--gap=MS` leaves the processes idle for MS between requests (back to back otherwise):
 * how much of the request path's time is the machine waking up to it (bench/micro/cold-work.ts).
 * Beside the times, the middle's CPU in three of the phases: a phase whose CPU is its wall time is work, not
 * waiting. `main.js#--flag,--flag` starts that build with these node flags.
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/profile/first-chunk.ts [streams] [main.js[#flags]…] [--plain] [--gap=MS]
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { writeModelsFile } from '../../test/support/models-file';
import { pool } from '../load/paced';
import { timedStream, TimedStream } from '../load/sse';
import type { Dispatcher } from 'undici';
import {
  Child,
  LOG_DIR,
  runScript,
  setUpstreamFault,
  startBallast,
  startBareProxy,
  startFrameworkFloor,
  startUpstream,
} from '../support/children';
import { median } from '../support/stats';
import { CHAT_PATH, chatBody, clientHeaders, Target, TargetName, UPSTREAM_MODEL } from '../support/targets';
import { signalledDump } from './signalled-dump';

const WARM_UP = 30;
const BATCH = 10;
const PROBE = ['-r', join(__dirname, 'first-chunk-probe.js')];

/** Wall-clock times (ms) and, beside each, the middle process's CPU time so far (ms, all threads). */
interface ProbeRow {
  arrived: number;
  arrivedCpu: number;
  upstreamCall?: number;
  upstreamCallCpu?: number;
  upstreamSent?: number;
  upstreamHeaders?: number;
  upstreamHeadersCpu?: number;
  firstWrite?: number;
  firstWriteCpu?: number;
  ended?: number;
  endedCpu?: number;
}
interface Measured {
  target: Target;
  out?: string;
  /** Client side, wall clock: request handed to the pool, first event complete. */
  sent: number[];
  firstEvent: number[];
  /** The upstream's stamp of the first chunk (when it wrote it). */
  upstreamWrote: number[];
}

const ms = (values: Array<number | undefined>) => {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return known.length > 0 ? median(known).toFixed(2).padStart(6) : '     —';
};

/** One non-streaming request: its answer's end stands for the first event (the upstream "wrote" it then too). */
async function timedAnswer(client: Dispatcher, body: string): Promise<Pick<TimedStream, 'status' | 'eventTimes' | 'transitMs'>> {
  const started = performance.now();
  const response = await client.request({ method: 'POST', path: CHAT_PATH, headers: clientHeaders(0), body });
  await response.body.text();
  return { status: response.statusCode, eventTimes: [performance.now() - started], transitMs: [0] };
}

async function main(): Promise<void> {
  const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
  const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const plain = flags.includes('--plain');
  const gapMs = Number(flags.find((flag) => flag.startsWith('--gap='))?.slice('--gap='.length) ?? 0);
  const streams = Number(positional[0] ?? 300);
  const builds = positional.length > 1 ? positional.slice(1) : ['dist/src/main.js'];
  const upstream = await startUpstream('first-chunk-upstream');
  const models = writeModelsFile({
    providers: { upstream: { type: 'openai', baseUrl: `${upstream.origin}/v1` } },
    models: { chat: { route: [{ provider: 'upstream', model: UPSTREAM_MODEL }] } },
  });
  const outFor = (name: string) => {
    const out = join(LOG_DIR, `first-chunk-${name}.json`);
    rmSync(out, { force: true });
    return out;
  };
  const measured: Measured[] = [
    { target: { name: 'direct', origin: upstream.origin, model: UPSTREAM_MODEL }, sent: [], firstEvent: [], upstreamWrote: [] },
  ];
  const children: Child[] = [];
  const proxyOut = outFor('proxy');
  const proxy = await startBareProxy('first-chunk-proxy', upstream.origin, { FIRST_CHUNK_OUT: proxyOut }, PROBE);
  children.push(proxy);
  measured.push({
    target: { name: 'proxy', origin: proxy.origin, model: UPSTREAM_MODEL, process: proxy },
    out: proxyOut,
    sent: [],
    firstEvent: [],
    upstreamWrote: [],
  });
  const floorOut = outFor('floor');
  const floor = await startFrameworkFloor('first-chunk-floor', upstream.origin, PROBE, 'express', { FIRST_CHUNK_OUT: floorOut });
  children.push(floor);
  measured.push({
    target: { name: 'floor', origin: floor.origin, model: UPSTREAM_MODEL, process: floor },
    out: floorOut,
    sent: [],
    firstEvent: [],
    upstreamWrote: [],
  });
  for (const [index, build] of builds.entries()) {
    const out = outFor(`ballast-${index}`);
    const [main, flags] = build.split('#');
    const nodeFlags = flags ? flags.split(',') : [];
    const ballast = await startBallast(`first-chunk-ballast-${index}`, models, { FIRST_CHUNK_OUT: out }, [...nodeFlags, ...PROBE], main);
    children.push(ballast);
    const target: Target = { name: build as TargetName, origin: ballast.origin, model: 'chat', process: ballast };
    measured.push({ target, out, sent: [], firstEvent: [], upstreamWrote: [] });
  }
  const clients = new Map(measured.map(({ target }) => [target.name, pool(target.origin, 4)]));
  if (!plain) {
    await setUpstreamFault(upstream, { kind: 'drip', intervalMs: 5, stamped: true });
  }
  try {
    // Targets in turn, a batch each, so a neighbour's load on this shared machine lands on all alike.
    for (let done = 0; done < WARM_UP + streams; done += BATCH) {
      for (const m of measured) {
        for (let i = 0; i < BATCH; i++) {
          if (gapMs > 0) {
            await sleep(gapMs);
          }
          const client = clients.get(m.target.name)!;
          const sent = performance.timeOrigin + performance.now();
          const stream = plain
            ? await timedAnswer(client, chatBody(m.target, false))
            : await timedStream(client, CHAT_PATH, chatBody(m.target, true));
          if (stream.status !== 200 || stream.eventTimes.length === 0) {
            throw new Error(`first-chunk: ${m.target.name} answered ${stream.status}`);
          }
          m.sent.push(sent);
          m.firstEvent.push(sent + stream.eventTimes[0]);
          m.upstreamWrote.push(sent + stream.eventTimes[0] - stream.transitMs[0]);
        }
      }
    }
    const out = process.stdout;
    const what = plain ? 'non-streaming request ("first event": the whole answer)' : 'stream';
    const spacing = gapMs > 0 ? `${gapMs} ms idle between them` : 'back to back';
    out.write(`\nOne ${what} at a time, ${spacing}, ${streams} per target after ${WARM_UP} of warm-up; medians, ms.\n\n`);
    out.write(
      'target                  first event  to the middle  before the call  call sent  upstream headers  → first write  → client  upstream wrote first chunk after the request\n',
    );
    const cpuLines: string[] = [];
    for (const m of measured) {
      const rows = m.out ? (await signalledDump<ProbeRow[]>(m.target.process!, m.out)).slice(-m.sent.length) : [];
      if (m.out && rows.length !== m.sent.length) {
        throw new Error(`first-chunk: ${m.target.name} saw ${rows.length} requests, ${m.sent.length} were sent`);
      }
      const at = (i: number) => rows[i] ?? ({} as Partial<ProbeRow>);
      const kept = (values: Array<number | undefined>) => values.slice(WARM_UP);
      const each = (f: (i: number) => number | undefined) => ms(kept(m.sent.map((_, i) => f(i))));
      const gap = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : b - a);
      out.write(
        [
          m.target.name.slice(-22).padEnd(22),
          each((i) => m.firstEvent[i] - m.sent[i]).padStart(12),
          each((i) => gap(m.sent[i], at(i).arrived)).padStart(14),
          each((i) => gap(at(i).arrived, at(i).upstreamCall)).padStart(16),
          each((i) => gap(at(i).upstreamCall, at(i).upstreamSent)).padStart(10),
          each((i) => gap(at(i).upstreamSent, at(i).upstreamHeaders)).padStart(17),
          each((i) => gap(at(i).upstreamHeaders, at(i).firstWrite)).padStart(14),
          each((i) => gap(at(i).firstWrite, m.firstEvent[i])).padStart(9),
          each((i) => m.upstreamWrote[i] - m.sent[i]).padStart(12),
        ].join(' ') + '\n',
      );
      if (m.out) {
        // From one answer's end to the next request's arrival: what the middle still does after an answer (its
        // summary line, metrics, the upstream body's end) while the client sends the next one.
        const afterEnd = (i: number) => (i + 1 < rows.length ? gap(at(i).endedCpu, at(i + 1).arrivedCpu) : undefined);
        cpuLines.push(
          [
            m.target.name.slice(-22).padEnd(22),
            each((i) => gap(at(i).arrivedCpu, at(i).upstreamCallCpu)).padStart(16),
            each((i) => gap(at(i).upstreamHeadersCpu, at(i).firstWriteCpu)).padStart(14),
            each(afterEnd).padStart(30),
          ].join(' '),
        );
      }
    }
    out.write("\nThe middle's CPU time (all threads) in the same phases, medians, ms:\n\n");
    out.write('target                 before the call  → first write  answer end → next request arrived\n');
    out.write(`${cpuLines.join('\n')}\n`);
  } finally {
    await setUpstreamFault(upstream, undefined);
    await Promise.all([...clients.values()].map((client) => client.close()));
    for (const child of [...children, upstream]) {
      await child.stop();
    }
  }
}

runScript(main);
