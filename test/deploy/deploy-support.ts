/** Shared helpers of the deployment suites: files under deploy/, external tools, PromQL metric names. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { envSchema } from '../../src/config/env.schema';

export const ROOT = join(__dirname, '..', '..');
export const HEALTH = { live: '/health/live', ready: '/health/ready', startup: '/health/startup' } as const;

export type Json = Record<string, unknown>;

export function repoPath(...parts: string[]): string {
  return join(ROOT, ...parts);
}

export function readText(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

export function readYaml<T = Json>(...parts: string[]): T {
  return parse(readText(...parts)) as T;
}

/** Every document of a multi-document YAML text; fails on the first syntax error. */
export function yamlDocuments(text: string, label: string): Json[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) {
      throw new Error(`${label}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value = doc.toJS() as Json | null;
    return value ? [value] : [];
  });
}

/** The path of a command-line tool, or undefined when it cannot be run here. */
export function findTool(name: string, versionArgs: string[]): string | undefined {
  const result = spawnSync(name, versionArgs, { encoding: 'utf8', timeout: 10_000 });
  return result.error || result.status !== 0 ? undefined : name;
}

/** `describe`, or `describe.skip` with a visible message saying why. */
export function describeWithTool(tool: string | undefined, why: string): jest.Describe {
  if (!tool) {
    console.warn(`SKIPPED: ${why}`);
    return describe.skip;
  }
  return describe;
}

/** The app's defaults: what a setting is when the environment leaves it out. */
export function envDefaults() {
  return envSchema.parse({});
}

export const ENV_NAMES: ReadonlySet<string> = new Set(Object.keys(envSchema.shape));

/** The ${VAR} names a models file reads from the environment. */
export function modelsFileVariables(text: string): Set<string> {
  const withoutComments = text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n');
  return new Set([...withoutComments.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]));
}

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

/**
 * The metric names a PromQL expression (or a Grafana query) selects: every
 * identifier that is not a function, keyword, label, string, duration or
 * Grafana variable.
 */
export function metricNamesIn(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/label_values\(\s*([^,()]*?)\s*,\s*\w+\s*\)/g, ' $1 ')
    .replace(/label_values\(\s*\w+\s*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const next = stripped.slice((match.index ?? 0) + word.length).trimStart();
    if (!PROMQL_KEYWORDS.has(word) && !next.startsWith('(') && !/^(inf|nan)$/i.test(word)) {
      names.add(word);
    }
  }
  return [...names];
}

/** Where in a Grafana dashboard a query is written: panel targets (rows included) and query variables. */
export function dashboardQueries(dashboard: Json): string[] {
  const queries: string[] = [];
  const visit = (panels: unknown): void => {
    for (const panel of (panels as Json[] | undefined) ?? []) {
      for (const target of (panel.targets as Json[] | undefined) ?? []) {
        if (typeof target.expr === 'string') {
          queries.push(target.expr);
        }
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  for (const variable of ((dashboard.templating as Json | undefined)?.list as Json[] | undefined) ?? []) {
    if (variable.type !== 'query') {
      continue;
    }
    const query = variable.query;
    const text = typeof query === 'string' ? query : (query as Json | undefined)?.query;
    if (typeof text === 'string') {
      queries.push(text);
    }
  }
  return queries;
}

/** The alerting and recording rules of a Prometheus rules file. */
export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): Rule[] {
  const file = readYaml<{ groups: Array<{ name: string; rules: Rule[] }> }>('deploy', 'prometheus', 'alerts.yml');
  return file.groups.flatMap((group) => group.rules);
}
