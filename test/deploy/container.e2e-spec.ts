/**
 * Dockerfile, .dockerignore, docker-compose.yml and what compose mounts
 * (models files, Prometheus and Grafana configuration). No container engine
 * runs here, so the files are parsed and compared with the app; the test
 * upstream's image is reproduced by running its build command and its
 * command.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { parseModelsConfig } from '@ballast/models';
import { envSchema } from '../../src/config/env.schema';
import { ENV_NAMES, HEALTH, Json, envDefaults, modelsFileVariables, readText, readYaml, repoPath } from './deploy-support';

// ---------------------------------------------------------------- Dockerfile

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

function dockerfileStages(): Stage[] {
  const lines = readText('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (op === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      args[name] = value;
    } else if (op === 'FROM') {
      const [image, , name] = rest.split(/\s+/);
      stages.push({
        name: name ?? String(stages.length),
        from: image.replace(/\$\{(\w+)\}/g, (_m, arg: string) => args[arg] ?? ''),
        instructions: [],
      });
    } else if (op) {
      stages.at(-1)!.instructions.push({ op, args: rest });
    }
  }
  return stages;
}

function instruction(stage: Stage, op: string): string[] {
  return stage.instructions.filter((i) => i.op === op).map((i) => i.args);
}

/** The JSON array of an exec-form CMD or HEALTHCHECK ... CMD [...]. */
function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages.at(-1)!;
  const byName = (name: string) => stages.find((s) => s.name === name)!;

  it('is multi-stage and builds the runtime image last, on Node 22 LTS slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(runtime.name).toBe('runtime');
    expect(runtime.from).toMatch(/^node:22(\.\d+)*(-\w+)*-slim$/);
  });

  it('runs the production build with production dependencies only, as a non-root user', () => {
    expect(instruction(runtime, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
    const user = instruction(runtime, 'USER').at(-1);
    expect(user).toMatch(/^\d+(:\d+)?$/); // numeric: Kubernetes' runAsNonRoot can verify it
    expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
    expect(instruction(runtime, 'RUN')).toEqual([]); // nothing installed or built in the final stage
    const copies = instruction(runtime, 'COPY');
    const modules = copies.find((c) => /\bnode_modules\b/.test(c))!;
    const source = byName(/--from=(\S+)/.exec(modules)![1]);
    expect(instruction(source, 'RUN').join(' ')).toMatch(/npm ci\b[^&]*--omit=dev/);
    // The OCR language data is a production dependency: in the image, never downloaded at start.
    expect(instruction(source, 'RUN').join(' ')).toContain('@tesseract.js-data/eng');
    const pkg = JSON.parse(readText('package.json')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['@tesseract.js-data/eng']).toBeDefined();
  });

  it('installs, with production dependencies only, every package the app imports at run time', () => {
    // `npm ci --omit=dev` leaves out exactly the packages the lockfile marks "dev".
    const lock = JSON.parse(readText('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const missing: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          visit(path);
          continue;
        }
        if (!entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) {
          continue;
        }
        const text = readFileSync(path, 'utf8');
        const imports =
          /^(?:import|export)(?!\s+type\b)[^;]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'|\brequire\(\s*'([^']+)'\s*\)|\bimport\(\s*'([^']+)'\s*\)/gm;
        for (const match of text.matchAll(imports)) {
          const specifier = match[1] ?? match[2] ?? match[3] ?? match[4];
          if (/^(\.|node:|@ballast\/)/.test(specifier) || builtinModules.includes(specifier)) {
            continue;
          }
          const name = specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/');
          const locked = lock.packages[`node_modules/${name}`];
          if (!locked || locked.dev) {
            missing.push(`${path.slice(repoPath().length + 1)}: ${name}`);
          }
        }
      }
    };
    visit(repoPath('src'));
    visit(repoPath('libs'));
    expect(missing).toEqual([]);
  });

  it('starts `node dist/src/main.js` in exec form (SIGTERM reaches Node), as `npm run start:prod` does', () => {
    const cmd = execForm(instruction(runtime, 'CMD').at(-1)!);
    expect(cmd).toEqual(['node', 'dist/src/main.js']);
    const pkg = JSON.parse(readText('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start:prod']).toBe(cmd.join(' '));
    expect(instruction(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it('checks liveness with node (the image has no curl) on the app port', () => {
    const [healthcheck] = instruction(runtime, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/\sCMD \[/);
    const cmd = execForm(healthcheck);
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).toContain(HEALTH.live);
    expect(cmd.join(' ')).toContain(`process.env.PORT||${envDefaults().PORT}`);
    expect(healthcheck).not.toMatch(/\b(curl|wget)\b/);
    expect(instruction(runtime, 'EXPOSE')).toEqual([String(envDefaults().PORT)]);
  });

  it('builds a separate test-upstream target with no node_modules and no test code in the runtime image', () => {
    const upstream = byName('upstream');
    expect(upstream.from).toBe(runtime.from);
    expect(instruction(upstream, 'COPY').join(' ')).not.toContain('node_modules');
    expect(instruction(runtime, 'COPY').join(' ')).not.toMatch(/\btest\b|upstream/);
    expect(instruction(upstream, 'USER').at(-1)).toMatch(/^[1-9]\d*(:\d+)?$/);
  });
});

describe('.dockerignore', () => {
  const rules = readText('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('keeps dependencies, build output, git and secrets out of the context', () => {
    for (const pattern of ['**/node_modules', 'dist', '.git', '**/.env']) {
      expect(rules).toContain(pattern);
    }
  });

  it('keeps everything the Dockerfile copies from the context', () => {
    const sources = dockerfileStages()
      .flatMap((stage) => instruction(stage, 'COPY'))
      .filter((args) => !args.includes('--from='))
      .flatMap((args) => args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(repoPath(source))).toBe(true);
      const ignoredBy = rules.filter((rule) => !rule.startsWith('!') && (rule === source || rule === source.split('/')[0]));
      expect(ignoredBy).toEqual([]);
      if (source.startsWith('test/')) {
        expect(rules).toEqual(expect.arrayContaining(['test/*', `!${source}`]));
      }
    }
  });
});

// ---------------------------------------------------------------- the test upstream image

/** test/upstream, as the `upstream` image holds it: compiled JS and Node, nothing else. */
describe('the test upstream image', () => {
  it('imports only Node built-ins and its own files (the image has no node_modules)', () => {
    // What tsc compiles: main.ts and every file it imports, transitively.
    const builtins = new Set(builtinModules);
    const seen = new Set<string>();
    const problems: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) {
        return;
      }
      seen.add(file);
      const text = readText('test', 'upstream', file);
      for (const match of text.matchAll(/\bfrom\s+'([^']+)'|\brequire\(\s*'([^']+)'\s*\)|\bimport\(\s*'([^']+)'\s*\)/g)) {
        const specifier = match[1] ?? match[2] ?? match[3];
        if (specifier.startsWith('./')) {
          visit(`${specifier.slice(2)}.ts`);
        } else if (!specifier.startsWith('node:') && !builtins.has(specifier)) {
          problems.push(`${file} imports ${specifier}`);
        }
      }
    };
    visit('main.ts');
    expect(seen.size).toBeGreaterThan(1);
    expect(problems).toEqual([]);
  });

  describe('built with the Dockerfile command, started with its CMD', () => {
    let child: ChildProcess | undefined;
    let port: number;

    beforeAll(async () => {
      const build = dockerfileStages()
        .find((s) => s.name === 'build')!
        .instructions.filter((i) => i.op === 'RUN')
        .flatMap((i) => i.args.split('&&'))
        .map((part) => part.trim())
        .find((part) => part.startsWith('npx tsc'))!;
      const out = mkdtempSync(join(tmpdir(), 'ballast-upstream-'));
      const args = build
        .split(/\s+/)
        .slice(2)
        .map((arg, i, all) => (all[i - 1] === '--outDir' ? out : arg));
      execFileSync(repoPath('node_modules', '.bin', 'tsc'), args, { cwd: repoPath(), timeout: 60_000 });
      const cmd = execForm(
        instruction(
          dockerfileStages().find((s) => s.name === 'upstream')!,
          'CMD',
        ).at(-1)!,
      );
      child = spawn(cmd[0] === 'node' ? process.execPath : cmd[0], cmd.slice(1), {
        cwd: out,
        env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', UPSTREAM_RECORD: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      port = await new Promise<number>((resolve, reject) => {
        let text = '';
        child!.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /"port":(\d+)/.exec(text);
          if (match) {
            resolve(Number(match[1]));
          }
        });
        child!.once('exit', (code) => reject(new Error(`test upstream exited with ${code}`)));
        setTimeout(() => reject(new Error('test upstream did not start in 10 s')), 10_000).unref();
      });
    });

    afterAll(() => {
      child?.kill('SIGTERM');
    });

    it('answers the healthcheck route GET /v1/models', async () => {
      const compose = readYaml<{ services: Record<string, Service> }>('docker-compose.yml');
      const route = /\/v1\/\w+/.exec(compose.services.upstream.healthcheck!.test.join(' '))![0];
      const response = await fetch(`http://127.0.0.1:${port}${route}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { object: string }).object).toBe('list');
    });
  });
});

// ---------------------------------------------------------------- docker-compose.yml

interface Service {
  build?: { context: string; target: string };
  image?: string;
  profiles?: string[];
  ports?: string[];
  expose?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  read_only?: boolean;
  tmpfs?: string[];
}

/** Compose interpolation with an empty shell environment: ${VAR:-default} -> default, ${VAR} -> ''. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');
}

function environment(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value))]));
}

function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  expect(match).not.toBeNull();
  const [, amount, unit] = match!;
  return (Number(amount) / (unit === 'ms' ? 1000 : 1)) * (unit === 'm' ? 60 : 1);
}

/** host:container port mappings (and bare container ports). */
function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((mapping) => Number(String(mapping).split(':').at(-1)));
}

function bindMounts(service: Service): Array<{ source: string; target: string }> {
  return (service.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [source, target] = v.split(':');
      return { source, target };
    });
}

describe('docker-compose.yml', () => {
  const compose = readYaml<{ services: Record<string, Service> }>('docker-compose.yml');
  const services = compose.services;
  const ballast = services.ballast;
  const env = environment(ballast);

  it('runs Ballast, Redis and the test upstream by default; Ollama, Prometheus and Grafana behind profiles', () => {
    for (const name of ['ballast', 'redis', 'upstream']) {
      expect(services[name]).toBeDefined();
      expect(services[name].profiles).toBeUndefined();
    }
    expect(services.ollama.profiles).toEqual(['ollama']);
    expect(services.prometheus.profiles).toEqual(['observability']);
    expect(services.grafana.profiles).toEqual(['observability']);
    const stages = dockerfileStages().map((s) => s.name);
    expect(ballast.build).toEqual({ context: '.', target: 'runtime' });
    expect(stages).toContain(services.upstream.build!.target);
  });

  it('sets only env vars the config schema knows, with values it accepts', () => {
    expect(Object.keys(env).filter((name) => !ENV_NAMES.has(name))).toEqual([]);
    const result = envSchema.safeParse(env);
    expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
  });

  it('publishes PORT and checks /health/live on it, with node', () => {
    const port = envSchema.parse(env).PORT;
    expect(containerPorts(ballast)).toEqual([port]);
    const test = ballast.healthcheck!.test;
    expect(test.slice(0, 2)).toEqual(['CMD', 'node']);
    expect(test.join(' ')).toContain(`http://127.0.0.1:${port}${HEALTH.live}`);
  });

  it('stops Ballast with more time than SHUTDOWN_GRACE_MS, on a read-only filesystem with a tmpfs /tmp', () => {
    expect(seconds(ballast.stop_grace_period!)).toBeGreaterThan(envSchema.parse(env).SHUTDOWN_GRACE_MS / 1000);
    expect(ballast.read_only).toBe(true);
    expect(ballast.tmpfs).toContain('/tmp');
  });

  it('runs WORKERS processes on one port with REDIS_URL set, so the workers share the rate-limit counters', () => {
    const parsed = envSchema.parse(env);
    expect(parsed.WORKERS).toBeGreaterThan(1);
    expect(parsed.REDIS_URL).toBeDefined();
  });

  it('points REDIS_URL at the redis service, and starts Ballast only once Redis and the upstream are healthy', () => {
    const url = new URL(env.REDIS_URL);
    expect(services[url.hostname]).toBeDefined();
    expect(Number(url.port || 6379)).toBe(6379);
    expect(services.redis.expose).toContain('6379');
    expect(services.redis.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
    for (const [name, dependency] of Object.entries(ballast.depends_on ?? {})) {
      expect(dependency.condition).toBe('service_healthy');
      expect(services[name].healthcheck).toBeDefined();
      expect(services[name].profiles).toBeUndefined(); // a dependency must run without a profile
    }
    expect(Object.keys(ballast.depends_on ?? {}).sort()).toEqual(['redis', 'upstream']);
  });

  it('runs the test upstream on its PORT, published and health-checked there', () => {
    const upstreamPort = Number(environment(services.upstream).PORT);
    expect(containerPorts(services.upstream)).toEqual([upstreamPort]);
    expect(services.upstream.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${upstreamPort}/v1/models`);
  });

  it('mounts every file it names from this repository', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const mount of bindMounts(service)) {
        expect(`${name}: ${mount.source}: ${existsSync(repoPath(mount.source)) ? 'exists' : 'missing'}`).toBe(
          `${name}: ${mount.source}: exists`,
        );
      }
    }
  });

  describe.each([
    ['the default', env.MODELS_FILE],
    ['the Ollama', '/etc/ballast/models.ollama.yaml'],
  ])('%s models file', (_label, target) => {
    const mount = bindMounts(ballast).find((m) => m.target === target);
    const text = mount ? readText(mount.source) : '';

    it('is mounted into the Ballast container and valid', () => {
      expect(mount).toBeDefined();
      const variables = [...modelsFileVariables(text)].filter((name) => !(name in env));
      expect(variables).toEqual([]);
      expect(() => parseModelsConfig(parse(text), env)).not.toThrow();
    });

    it('reaches its upstreams at compose services and their ports', () => {
      const models = parseModelsConfig(parse(text), env);
      const remote = Object.values(models.providers).filter((p) => p.type === 'openai');
      expect(remote.length).toBeGreaterThan(0);
      for (const provider of remote) {
        const url = new URL(provider.baseUrl);
        const service = services[url.hostname];
        expect(service).toBeDefined();
        const published = [...containerPorts(service), ...(service.expose ?? []).map(Number)];
        expect(published).toContain(Number(url.port));
      }
    });
  });

  it('lets BALLAST_MODELS_FILE choose the models file, defaulting to deploy/models.example.yaml', () => {
    expect(ballast.environment!.MODELS_FILE).toMatch(/^\$\{BALLAST_MODELS_FILE:-/);
    expect(bindMounts(ballast).find((m) => m.target === env.MODELS_FILE)?.source).toBe('./deploy/models.example.yaml');
  });

  it('has Prometheus scrape Ballast on its port and load the alert rules it mounts', () => {
    const prometheus = services.prometheus;
    const mounts = bindMounts(prometheus);
    const configMount = mounts.find((m) => m.source === './deploy/prometheus/prometheus.yml')!;
    expect(configMount.target).toBe('/etc/prometheus/prometheus.yml');
    const config = readYaml<{
      rule_files: string[];
      scrape_configs: Array<{ metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
    }>('deploy', 'prometheus', 'prometheus.yml');
    const rulesMount = mounts.find((m) => m.source === './deploy/prometheus/alerts.yml')!;
    expect(config.rule_files).toEqual([rulesMount.target]);
    const [job] = config.scrape_configs;
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job.static_configs[0].targets).toEqual([`ballast:${envSchema.parse(env).PORT}`]);
  });

  it('has Grafana provisioned with Prometheus and the Ballast dashboard', () => {
    const grafana = services.grafana;
    const mounts = bindMounts(grafana);
    const provisioning = mounts.find((m) => m.target === '/etc/grafana/provisioning')!;
    expect(statSync(repoPath(provisioning.source)).isDirectory()).toBe(true);
    const datasources = readYaml<{ datasources: Array<{ type: string; url: string }> }>(
      provisioning.source,
      'datasources',
      'prometheus.yml',
    );
    const promPort = containerPorts(services.prometheus)[0];
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: `http://prometheus:${promPort}` })]);
    const providers = readYaml<{ providers: Array<{ type: string; options: { path: string } }> }>(
      provisioning.source,
      'dashboards',
      'ballast.yml',
    );
    const dashboardMount = mounts.find((m) => m.source === './deploy/grafana/ballast.json')!;
    expect(providers.providers[0].options.path).toBe(posix.dirname(dashboardMount.target));
    expect(environment(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(dashboardMount.target);
  });

  it('has a dashboard whose panels all query the chosen Prometheus data source', () => {
    const dashboard = JSON.parse(readText('deploy', 'grafana', 'ballast.json')) as { uid: string; panels: Array<Json & { type: string }> };
    expect(dashboard.uid).toBe('ballast');
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });
});
