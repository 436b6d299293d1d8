/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: the
 * hottest functions by self time, and self time grouped by package (or
 * "ballast", "node:internal", "gc", "idle").
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Wall time the profile covers, ms. */
  wallMs: number;
  /** Non-idle time, ms. */
  busyMs: number;
  topFunctions: Array<{ name: string; where: string; selfMs: number; percent: number }>;
  byGroup: Array<{ group: string; selfMs: number; percent: number }>;
  byLayer: Array<{ layer: string; selfMs: number; percent: number }>;
  /**
   * The same time, with node internals, native code and node http charged to
   * the nearest caller that is a layer of the app (JSON.stringify under pino is
   * logging; promise machinery under the throttler is the rate limit).
   */
  byCallerLayer: Array<{ layer: string; selfMs: number; percent: number }>;
  /** Inclusive time of the functions whose name matches, for "who called all of this". */
  inclusive: Array<{ name: string; totalMs: number; percent: number }>;
}

function groupOf(frame: CallFrame, appRoot: string): string {
  const { url, functionName } = frame;
  if (functionName === '(idle)') {
    return 'idle';
  }
  if (functionName === '(garbage collector)') {
    return 'gc';
  }
  if (functionName === '(program)') {
    return 'program (native, unattributed)';
  }
  if (url === '') {
    return 'native / builtins';
  }
  if (url.startsWith('node:')) {
    return (
      'node:' +
      url
        .slice(5)
        .split('/')[0]
        .replace(/^internal$/, 'internal')
    );
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  // libs/models splits into its router and its providers: two different layers of a request.
  const inApp = url.lastIndexOf(appRoot);
  const relative = inApp >= 0 ? url.slice(inApp + appRoot.length) : url;
  const dist = relative.match(/^(libs\/models\/src\/(?:router|providers)|src\/chat\/dto|libs\/[^/]+|src\/[^/]+)/);
  return dist ? `ballast ${dist[1].replace('/src/', '/')}` : 'ballast';
}

function shortWhere(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  const nm = url.lastIndexOf('node_modules/');
  const short = nm >= 0 ? url.slice(nm + 'node_modules/'.length) : url.replace(/^.*\/dist\//, 'dist/');
  return `${short}:${frame.lineNumber + 1}`;
}

export interface SummariseOptions {
  top?: number;
  /** Function names whose inclusive time to report. */
  inclusive?: string[];
  /** Only samples from this long after the profile started (skips boot), ms. */
  skipMs?: number;
  /** Only samples up to this long after the profile started (skips shutdown), ms. */
  untilMs?: number;
  /** The build's root, holding its src/ and libs/ (default: any `dist/`), so another build's files are grouped too. */
  appRoot?: string;
}

/** Packages folded into the layers of a request, for "where does a request's CPU go". */
const LAYERS: Array<[RegExp, string]> = [
  [/^(gc)$/, 'garbage collection'],
  [/^(router|path-to-regexp|parseurl|find-my-way|safe-regex2|ret)$/, "router (Express' or Fastify's find-my-way)"],
  [
    /^(express|body-parser|raw-body|@nestjs\/core|@nestjs\/common|@nestjs\/platform-express|@nestjs\/platform-fastify|fastify|@fastify\/[a-z-]+|avvio|light-my-request|fast-json-stringify|fast-querystring|secure-json-parse|toad-cache|abstract-logging|process-warning|rfdc|fastq|content-type|type-is|iconv-lite|forwarded|proxy-addr|debug|ms|reflect-metadata|finalhandler|on-finished|qs|media-typer|mime-types|send|vary|depd|http-errors|statuses|rxjs|bytes|unpipe|ee-first|encodeurl|escape-html|safe-buffer|setprototypeof|toidentifier)$/,
    'Nest + HTTP framework (execution context, body parser, response)',
  ],
  [
    /^(zod|nestjs-zod|class-validator|class-transformer|validator|libphonenumber-js|ballast src\/problems|ballast src\/chat\/dto)$/,
    'request validation (pipe, zod schema; class-validator before issue 17)',
  ],
  [/^(ballast src\/auth)$/, 'auth guard'],
  [/^(@nestjs\/throttler|@nest-lab\/throttler-storage-redis|ballast src\/rate-limit)$/, 'rate limit (throttler guard + store)'],
  [/^(ballast src\/shutdown|ballast src\/model-status)$/, 'other middleware (shutdown tracking, model headers)'],
  [/^(ballast libs\/models\/router|ballast src\/chat|ballast libs\/models)$/, 'chat service + model router'],
  [/^(openai|undici|ballast libs\/models\/providers)$/, 'provider (openai provider, undici, SDK types)'],
  [/^(ballast libs\/resilience|cockatiel)$/, 'resilience (policy, breaker, timeouts)'],
  [
    /^(pino|sonic-boom|nestjs-pino|pino-http|@pinojs\/redact|fast-redact|pino-std-serializers|quick-format-unescaped|atomic-sleep|on-exit-leak-free|thread-stream|safe-stable-stringify|fast-safe-stringify)$/,
    'logging (pino)',
  ],
  [/^(prom-client|tdigest|bintrees)$/, 'metrics (prom-client)'],
  [/^(ballast libs\/observability|uuid)$/, 'request lifecycle + context (middleware, request id)'],
  [/^(ballast libs\/errors)$/, 'errors (taxonomy)'],
  [/^node:(_http_|net|stream)/, 'node http / sockets'],
  [/^node:/, 'node internals (promises, async_hooks, events, timers)'],
  [/^(native \/ builtins|program)/, 'native (syscalls, JSON, builtins)'],
  [/^ballast/, 'ballast, other'],
];

/** Layers that are the runtime's rather than a caller's: their time is charged to the caller in byCallerLayer. */
const RUNTIME_LAYERS = new Set([
  'node http / sockets',
  'node internals (promises, async_hooks, events, timers)',
  'native (syscalls, JSON, builtins)',
]);

export function layerOf(group: string): string {
  return LAYERS.find(([pattern]) => pattern.test(group))?.[1] ?? 'other packages';
}

export function summariseProfile(path: string, options: SummariseOptions = {}): ProfileSummary {
  const { top = 25, inclusive: inclusiveNames = [], skipMs = 0, untilMs = Infinity, appRoot = 'dist/' } = options;
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  let firstAt: number | undefined;
  let lastAt = at;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at - profile.startTime < skipMs * 1000 || at - profile.startTime > untilMs * 1000) {
      continue;
    }
    firstAt ??= at;
    lastAt = at;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const wallUs = lastAt - (firstAt ?? lastAt);
  let idleUs = 0;
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const groups = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = shortWhere(frame);
    const key = `${frame.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const group = groupOf(frame, appRoot);
    groups.set(group, (groups.get(group) ?? 0) + us);
  }
  const busyUs = wallUs - idleUs;
  const layers = new Map<string, number>();
  for (const [group, us] of groups) {
    const layer = layerOf(group);
    layers.set(layer, (layers.get(layer) ?? 0) + us);
  }
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parentOf.set(child, node.id);
    }
  }
  const callerLayer = new Map<number, string>();
  const callerLayerOf = (id: number): string => {
    const known = callerLayer.get(id);
    if (known !== undefined) {
      return known;
    }
    const own = layerOf(groupOf(byId.get(id)!.callFrame, appRoot));
    const up = parentOf.get(id);
    const layer =
      RUNTIME_LAYERS.has(own) && up !== undefined && byId.get(up)!.callFrame.functionName !== '(root)' ? callerLayerOf(up) : own;
    callerLayer.set(id, layer);
    return layer;
  };
  const callerLayers = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') {
      continue;
    }
    const layer = callerLayerOf(id);
    callerLayers.set(layer, (callerLayers.get(layer) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((us / busyUs) * 1000) / 10;
  const ms = (us: number) => Math.round(us / 100) / 10;

  // Inclusive time: self time of a node plus all its descendants, counted once per matching root.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const inclusive = inclusiveNames.map((name) => {
    let us = 0;
    for (const [id, self] of selfUs) {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        if (byId.get(at)!.callFrame.functionName === name) {
          us += self;
          break;
        }
      }
    }
    return { name, totalMs: ms(us), percent: pct(us) };
  });

  return {
    wallMs: ms(wallUs),
    busyMs: ms(busyUs),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: ms(f.us), percent: pct(f.us) })),
    byGroup: [...groups.entries()].sort((a, b) => b[1] - a[1]).map(([group, us]) => ({ group, selfMs: ms(us), percent: pct(us) })),
    byLayer: [...layers.entries()].sort((a, b) => b[1] - a[1]).map(([layer, us]) => ({ layer, selfMs: ms(us), percent: pct(us) })),
    byCallerLayer: [...callerLayers.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([layer, us]) => ({ layer, selfMs: ms(us), percent: pct(us) })),
    inclusive,
  };
}

if (require.main === module) {
  const [path, skip, ...names] = process.argv.slice(2);
  if (!path) {
    process.stderr.write('usage: summarise-profile <file.cpuprofile> [skipMs] [functionName ...]\n');
    process.exit(2);
  }
  const summary = summariseProfile(path, { top: 40, inclusive: names, skipMs: Number(skip ?? 0) });
  process.stdout.write(`wall ${summary.wallMs} ms, busy ${summary.busyMs} ms\n\nby group (self time):\n`);
  for (const g of summary.byGroup.slice(0, 25)) {
    process.stdout.write(`  ${g.percent.toFixed(1).padStart(5)}%  ${g.selfMs.toFixed(0).padStart(7)} ms  ${g.group}\n`);
  }
  process.stdout.write('\ntop functions (self time):\n');
  for (const f of summary.topFunctions) {
    process.stdout.write(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}\n`);
  }
  if (summary.inclusive.length > 0) {
    process.stdout.write('\ninclusive:\n');
    for (const f of summary.inclusive) {
      process.stdout.write(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.totalMs.toFixed(0).padStart(7)} ms  ${f.name}\n`);
    }
  }
}
