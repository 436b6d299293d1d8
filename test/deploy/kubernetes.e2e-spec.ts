/**
 * deploy/k8s: the manifests agree with the app. Checked on the base as
 * written (always) and, when kubectl is installed, on what `kubectl
 * kustomize` renders for the base, the example overlay and the overlay's
 * managed-Redis recipe.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { parseModelsConfig } from '@ballast/models';
import { envSchema } from '../../src/config/env.schema';
import {
  ENV_NAMES,
  HEALTH,
  Json,
  describeWithTool,
  findTool,
  modelsFileVariables,
  readText,
  repoPath,
  yamlDocuments,
} from './deploy-support';

const BASE = repoPath('deploy', 'k8s', 'base');
const OVERLAY = repoPath('deploy', 'k8s', 'overlays', 'example');
const SECRET_NAME = 'ballast-secrets';

interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown } }>;
  envFrom?: unknown[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  securityContext?: Json & { capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface PodSpec {
  containers: Container[];
  securityContext?: Json;
  terminationGracePeriodSeconds?: number;
  volumes?: Array<{ name: string; configMap?: { name: string }; emptyDir?: Json }>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Json;
  data?: Record<string, string>;
}
interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
}

/** The base as written: its resources plus the ConfigMaps its configMapGenerator would make. */
function baseAsWritten(): K8sObject[] {
  const kustomization = parse(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8')) as Json;
  const objects = (kustomization.resources as string[]).flatMap(
    (file) => yamlDocuments(readFileSync(join(BASE, file), 'utf8'), file) as unknown as K8sObject[],
  );
  for (const generator of (kustomization.configMapGenerator as Array<{ name: string; files: string[] }> | undefined) ?? []) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: generator.name },
      data: Object.fromEntries(generator.files.map((file) => [basename(file), readFileSync(join(BASE, file), 'utf8')])),
    });
  }
  return objects;
}

const kubectl = findTool('kubectl', ['version', '--client']);

function kustomize(dir: string): K8sObject[] {
  const output = execFileSync(kubectl!, ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
  return yamlDocuments(output, `kubectl kustomize ${dir}`) as unknown as K8sObject[];
}

/** The example overlay with its managed-Redis lines uncommented, as its comment tells an operator to do. */
function overlayWithManagedRedis(): K8sObject[] {
  const root = mkdtempSync(join(tmpdir(), 'ballast-k8s-'));
  cpSync(repoPath('deploy', 'k8s'), join(root, 'k8s'), { recursive: true });
  const file = join(root, 'k8s', 'overlays', 'example', 'kustomization.yaml');
  const text = readFileSync(file, 'utf8');
  const enabled = text.replace(/^ {2}# - (path: managed-redis-patch\.yaml|patch: .*)$/gm, '  - $1');
  expect(enabled.match(/^ {2}- (path: managed-redis-patch\.yaml|patch: )/gm)).toHaveLength(4);
  writeFileSync(file, enabled);
  return kustomize(dirname(file));
}

function byKind<T extends K8sObject>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

function ballastDeployment(objects: K8sObject[]): Workload {
  const found = byKind<Workload>(objects, 'Deployment').filter((d) => d.spec.template.spec.containers.some((c) => c.name === 'ballast'));
  expect(found).toHaveLength(1);
  return found[0];
}

function ballastContainer(objects: K8sObject[]): Container {
  return ballastDeployment(objects).spec.template.spec.containers.find((c) => c.name === 'ballast')!;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** A probe's or Service's port, by number or by the container port's name. */
function resolvePort(container: Container, port: number | string): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
}

/** What the container's environment would be, secrets replaced by placeholders of the right shape. */
function containerEnv(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
    } else if (variable.valueFrom?.secretKeyRef) {
      env[variable.name] = variable.name === 'REDIS_URL' ? 'rediss://:secret@redis.example.com:6380' : 'secret-placeholder';
    }
  }
  return env;
}

function modelsFileOf(objects: K8sObject[], container: Container, env: Record<string, string>): string {
  const pod = ballastDeployment(objects).spec.template.spec;
  const mount = container.volumeMounts?.find((m) => env.MODELS_FILE.startsWith(`${m.mountPath}/`));
  expect(mount).toBeDefined();
  const volume = pod.volumes?.find((v) => v.name === mount!.name);
  expect(volume?.configMap).toBeDefined();
  const configMap = byKind(objects, 'ConfigMap').find((c) => c.metadata.name === volume!.configMap!.name);
  expect(configMap).toBeDefined();
  const key = env.MODELS_FILE.slice(mount!.mountPath.length + 1);
  expect(Object.keys(configMap!.data ?? {})).toContain(key);
  return configMap!.data![key];
}

function secretTemplateKeys(): Set<string> {
  // Listed and commented-out (optional) keys alike.
  return new Set(
    [...readText('deploy', 'k8s', 'base', 'secret.template.yaml').matchAll(/^ {2}(?:# )?([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]),
  );
}

function checkStack(label: string, load: () => K8sObject[], options: { managedRedis?: boolean } = {}) {
  describe(label, () => {
    let objects: K8sObject[];
    let container: Container;
    let env: Record<string, string>;
    beforeAll(() => {
      objects = load();
      container = ballastContainer(objects);
      env = containerEnv(container);
    });

    it('runs 3 replicas of a tagged ballast image', () => {
      expect(ballastDeployment(objects).spec.replicas).toBe(3);
      expect(container.image).toMatch(/(^|\/)ballast:[\w.-]+$/);
      expect(container.image).not.toMatch(/:latest$/);
    });

    it('runs one process per pod (WORKERS unset or 1): Kubernetes scales with replicas, not node:cluster', () => {
      expect(envSchema.parse(env).WORKERS).toBe(1);
    });

    it('listens on PORT and probes the contract health routes on it', () => {
      const port = envSchema.parse(env).PORT;
      expect(container.ports?.find((p) => p.name === 'http')?.containerPort).toBe(port);
      const probes = { live: container.livenessProbe, ready: container.readinessProbe, startup: container.startupProbe };
      for (const [kind, probe] of Object.entries(probes) as Array<[keyof typeof HEALTH, Probe | undefined]>) {
        expect(probe?.httpGet?.path).toBe(HEALTH[kind]);
        expect(resolvePort(container, probe!.httpGet!.port)).toBe(port);
        expect(probe!.timeoutSeconds).toBeLessThan(probe!.periodSeconds!);
      }
      // Start-up (models file, OCR warm-up) gets at least a minute; liveness is not trigger-happy.
      expect(container.startupProbe!.periodSeconds! * container.startupProbe!.failureThreshold!).toBeGreaterThanOrEqual(60);
      expect(container.livenessProbe!.failureThreshold).toBeGreaterThanOrEqual(3);
      expect(container.readinessProbe!.periodSeconds).toBeLessThanOrEqual(10);
      expect(ballastDeployment(objects).spec.template.metadata.annotations?.['prometheus.io/port']).toBe(String(port));
    });

    it('gives preStop plus SHUTDOWN_GRACE_MS time to finish before SIGKILL', () => {
      const pod = ballastDeployment(objects).spec.template.spec;
      const preStop = container.lifecycle?.preStop;
      const pause = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command.at(-1));
      expect(preStop?.exec?.command[0] ?? 'sleep').toBe('sleep');
      expect(pause).toBeGreaterThanOrEqual(1);
      const graceSeconds = envSchema.parse(env).SHUTDOWN_GRACE_MS / 1000;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(pause + graceSeconds);
    });

    it('runs every container non-root, read-only, without privilege escalation or capabilities', () => {
      for (const workload of byKind<Workload>(objects, 'Deployment')) {
        const pod = workload.spec.template.spec;
        for (const c of pod.containers) {
          const sc = { ...pod.securityContext, ...c.securityContext };
          expect(sc.runAsNonRoot).toBe(true);
          expect(sc.runAsUser).toBeGreaterThan(0);
          expect(sc.allowPrivilegeEscalation).toBe(false);
          expect(sc.readOnlyRootFilesystem).toBe(true);
          expect(c.securityContext?.capabilities?.drop).toContain('ALL');
        }
      }
      const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
      const volume = ballastDeployment(objects).spec.template.spec.volumes?.find((v) => v.name === tmp?.name);
      expect(volume?.emptyDir).toBeDefined();
    });

    it('sets CPU and memory requests and a memory limit on every container', () => {
      for (const workload of byKind<Workload>(objects, 'Deployment')) {
        for (const c of workload.spec.template.spec.containers) {
          expect(c.resources?.requests?.cpu).toBeTruthy();
          expect(c.resources?.requests?.memory).toBeTruthy();
          expect(c.resources?.limits?.memory).toBeTruthy();
        }
      }
    });

    it('sets only env vars the config schema knows, or that the models file reads, with valid values', () => {
      expect(container.envFrom).toBeUndefined(); // names would be invisible to this check
      const modelVars = modelsFileVariables(modelsFileOf(objects, container, env));
      const unknown = (container.env ?? []).map((v) => v.name).filter((name) => !ENV_NAMES.has(name) && !modelVars.has(name));
      expect(unknown).toEqual([]);
      const result = envSchema.safeParse(env);
      expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
    });

    it('mounts a valid models file where MODELS_FILE points, and sets every ${VAR} it reads', () => {
      const text = modelsFileOf(objects, container, env);
      const missing = [...modelsFileVariables(text)].filter((name) => !(name in env));
      expect(missing).toEqual([]);
      expect(() => parseModelsConfig(parse(text), env)).not.toThrow();
    });

    it('reads secrets only from the Secret the template documents', () => {
      const keys = secretTemplateKeys();
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) {
          expect(ref.name).toBe(SECRET_NAME);
          expect(keys).toContain(ref.key);
        }
      }
      expect(byKind(objects, 'Secret')).toEqual([]); // never a Secret with values in git
    });

    it('routes the Service to the pods on port http', () => {
      const pods = ballastDeployment(objects).spec.template.metadata.labels;
      const services = byKind(objects, 'Service').filter((s) => selects((s.spec as { selector: Record<string, string> }).selector, pods));
      expect(services).toHaveLength(1);
      const spec = services[0].spec as { ports: Array<{ name: string; port: number; targetPort: string | number }> };
      expect(resolvePort(container, spec.ports[0].targetPort)).toBe(envSchema.parse(env).PORT);
      for (const other of byKind<Workload>(objects, 'Deployment').filter((d) => d !== ballastDeployment(objects))) {
        expect(selects((services[0].spec as { selector: Record<string, string> }).selector, other.spec.template.metadata.labels)).toBe(
          false,
        );
      }
    });

    it('autoscales the Deployment from at least its replicas, on CPU it requests', () => {
      const [hpa] = byKind(objects, 'HorizontalPodAutoscaler');
      const spec = hpa.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
      const deployment = ballastDeployment(objects);
      expect(spec.scaleTargetRef).toEqual(expect.objectContaining({ kind: 'Deployment', name: deployment.metadata.name }));
      expect(spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(spec.minReplicas).toBeLessThanOrEqual(deployment.spec.replicas!);
      expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas);
    });

    it('has a PodDisruptionBudget that selects the pods and still lets a drain proceed', () => {
      const [pdb] = byKind(objects, 'PodDisruptionBudget');
      const spec = pdb.spec as { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number; minAvailable?: number };
      expect(selects(spec.selector.matchLabels, ballastDeployment(objects).spec.template.metadata.labels)).toBe(true);
      if (spec.minAvailable !== undefined) {
        expect(spec.minAvailable).toBeLessThan(ballastDeployment(objects).spec.replicas!);
      } else {
        expect(spec.maxUnavailable).toBeGreaterThanOrEqual(1);
      }
    });

    if (options.managedRedis) {
      it('takes REDIS_URL from the Secret and runs no Redis of its own', () => {
        expect(container.env?.find((v) => v.name === 'REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({
          name: SECRET_NAME,
          key: 'REDIS_URL',
        });
        expect(objects.filter((o) => o.metadata.name.startsWith('ballast-redis'))).toEqual([]);
      });
    } else {
      it('points REDIS_URL at the in-cluster Redis Service and its port', () => {
        const url = new URL(env.REDIS_URL);
        const service = byKind(objects, 'Service').find((s) => s.metadata.name === url.hostname.split('.')[0]);
        expect(service).toBeDefined();
        const ports = (service!.spec as { ports: Array<{ port: number }> }).ports.map((p) => p.port);
        expect(ports).toContain(Number(url.port || 6379));
      });
    }
  });
}

describe('kustomizations', () => {
  it.each([
    ['base', BASE],
    ['example overlay', OVERLAY],
  ])('every file the %s kustomization names exists', (_label, dir) => {
    const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Json;
    const files = [
      ...((kustomization.resources as string[] | undefined) ?? []),
      ...((kustomization.configMapGenerator as Array<{ files: string[] }> | undefined) ?? []).flatMap((g) => g.files),
      ...((kustomization.patches as Array<{ path?: string }> | undefined) ?? []).flatMap((p) => (p.path ? [p.path] : [])),
    ];
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => !existsSync(join(dir, file)))).toEqual([]);
    expect(files).not.toContain('secret.template.yaml');
  });
});

checkStack('base, as written', baseAsWritten);

describeWithTool(kubectl, 'rendering deploy/k8s with `kubectl kustomize`: kubectl not found (the files themselves are still checked)')(
  'rendered by kubectl kustomize',
  () => {
    checkStack('base', () => kustomize(BASE));
    checkStack('example overlay', () => kustomize(OVERLAY));
    checkStack('example overlay with its managed-Redis recipe', overlayWithManagedRedis, { managedRedis: true });
  },
);
