/**
 * deploy/prometheus and deploy/grafana: the alert rules pass promtool and
 * their unit tests, each alert is tested firing and quiet and has a runbook,
 * and every metric the rules and the dashboard read is one the app exports.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BallastMetrics } from '@ballast/observability';
import {
  Json,
  alertRules,
  dashboardQueries,
  describeWithTool,
  findTool,
  metricNamesIn,
  readText,
  readYaml,
  repoPath,
} from './deploy-support';

const REQUIRED_ALERTS = [
  'BallastHighErrorRatio',
  'BallastHighLatencyP99',
  'BallastCircuitBreakerOpen',
  'BallastAllRoutesFailed',
  'BallastRateLimitedSpike',
  'BallastSseErrorRatio',
  'BallastOcrQueueShedding',
];

/** What the dashboard must show (issue 8): traffic, errors by code, latency and TTFT, breakers, retries, fallbacks, streams, tokens. */
const DASHBOARD_MUST_USE = [
  'ballast_http_requests_total',
  'ballast_errors_total',
  'ballast_http_request_duration_seconds_bucket',
  'ballast_model_time_to_first_token_seconds_bucket',
  'ballast_circuit_breaker_state',
  'ballast_model_retries_total',
  'ballast_model_fallbacks_total',
  'ballast_sse_streams_active',
  'ballast_model_tokens_total',
];

/** Every series name the app's registry can put in /metrics: histograms as _bucket/_sum/_count, summaries with _sum/_count. */
async function appMetricNames(): Promise<Set<string>> {
  const metrics = new BallastMetrics();
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    const type = String(metric.type);
    if (type === 'histogram') {
      ['_bucket', '_sum', '_count'].forEach((suffix) => names.add(metric.name + suffix));
    } else if (type === 'summary') {
      [metric.name, `${metric.name}_sum`, `${metric.name}_count`].forEach((name) => names.add(name));
    } else {
      names.add(metric.name);
    }
  }
  return names;
}

function dashboard(): Json {
  return JSON.parse(readText('deploy', 'grafana', 'ballast.json')) as Json;
}

describe('alert rules and dashboard use only metrics the app exports', () => {
  let exported: Set<string>;
  beforeAll(async () => {
    exported = await appMetricNames();
  });

  it('reads metric names out of PromQL and Grafana queries', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, model) (rate(foo_seconds_bucket{route!~"/health/.*",instance=~"$instance"}[$__rate_interval]))) > 1e3 and on (job) bar offset 5m',
      ).sort(),
    ).toEqual(['bar', 'foo_seconds_bucket']);
    expect(metricNamesIn('label_values(baz_total, instance)')).toEqual(['baz_total']);
  });

  it('the app registry exports the contract metrics and the default process metrics', () => {
    for (const name of ['ballast_http_requests_total', 'ballast_circuit_breaker_state', 'process_resident_memory_bytes']) {
      expect(exported.has(name)).toBe(true);
    }
  });

  it('every metric in an alert expression exists', () => {
    const used = new Set(alertRules().flatMap((rule) => metricNamesIn(rule.expr)));
    expect(used.size).toBeGreaterThanOrEqual(8);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('every metric in a dashboard query exists, and the dashboard shows what an operator needs', () => {
    const queries = dashboardQueries(dashboard());
    expect(queries.length).toBeGreaterThanOrEqual(20);
    const used = new Set(queries.flatMap(metricNamesIn));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    expect(DASHBOARD_MUST_USE.filter((name) => !used.has(name))).toEqual([]);
  });
});

describe('alert rules: shape, tests and runbooks', () => {
  const rules = alertRules();
  const alerts = rules.filter((rule) => rule.alert);
  const names = alerts.map((rule) => rule.alert!);

  it('has the alerts issue 8 asks for, each named once', () => {
    expect(REQUIRED_ALERTS.filter((name) => !names.includes(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(alerts.map((rule) => [rule.alert!, rule] as const))('%s has a severity, a summary, a description and a runbook', (name, rule) => {
    expect(['critical', 'warning']).toContain(rule.labels?.severity);
    expect(rule.annotations?.summary).toBeTruthy();
    expect(rule.annotations?.description).toBeTruthy();
    expect(rule.annotations?.runbook_url).toBe(`README.md#${name.toLowerCase()}`);
  });

  it('every alert has a runbook section in README.md', () => {
    const readme = readText('README.md');
    const headings = new Set([...readme.matchAll(/^#{2,6} +(.+?)\s*$/gm)].map((m) => m[1]));
    expect(names.filter((name) => !headings.has(name))).toEqual([]);
  });

  it('every alert is unit-tested both firing and quiet', () => {
    interface AlertTest {
      alertname: string;
      exp_alerts?: unknown[];
    }
    const file = readYaml<{ rule_files: string[]; tests: Array<{ alert_rule_test?: AlertTest[] }> }>(
      'deploy',
      'prometheus',
      'alerts.test.yml',
    );
    expect(file.rule_files).toEqual(['alerts.yml']);
    const cases = file.tests.flatMap((test) => test.alert_rule_test ?? []);
    const fires = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const quiet = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    expect(names.filter((name) => !fires.has(name))).toEqual([]);
    expect(names.filter((name) => !quiet.has(name))).toEqual([]);
    expect([...fires, ...quiet].filter((name) => !names.includes(name))).toEqual([]);
  });
});

const promtool = findTool('promtool', ['--version']);

describeWithTool(
  promtool,
  'promtool checks of deploy/prometheus: promtool not found (Debian/Ubuntu: apt-get install prometheus; .ci/run installs it)',
)('promtool', () => {
  const run = (...args: string[]) => {
    const result = spawnSync(promtool!, args, { cwd: repoPath(), encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  };

  it('check rules: alerts.yml is valid', () => {
    const result = run('check', 'rules', 'deploy/prometheus/alerts.yml');
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('test rules: every alert fires on its synthetic series and stays quiet on a healthy one', () => {
    const result = run('test', 'rules', 'deploy/prometheus/alerts.test.yml');
    expect(result.output).not.toContain('FAILED');
    expect(result.status).toBe(0);
  });

  it('check config: the compose Prometheus config is valid with the rules it loads', () => {
    // prometheus.yml names the rules by their path inside the container; check it against this checkout's file.
    const config = readYaml<Json>('deploy', 'prometheus', 'prometheus.yml');
    const dir = mkdtempSync(join(tmpdir(), 'ballast-prometheus-'));
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, stringify({ ...config, rule_files: [repoPath('deploy', 'prometheus', 'alerts.yml')] }));
    const result = run('check', 'config', file);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
