import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EMBEDDED_MODELS, ModelsConfig, modelsFileSchema } from './models-file.schema';

export type Environment = Record<string, string | undefined>;

/** One line per problem, each naming the setting; no stack, no file contents. */
export class ModelsFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ModelsFileError';
  }
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `${VAR}` is resolved in string values after parsing, so a value can never inject structure. */
function interpolate(value: unknown, env: Environment, path: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, name: string) => {
      const resolved = env[name];
      if (resolved === undefined) {
        problems.push(`MODELS_FILE: ${path} uses \${${name}}, which is not set in the environment`);
        return '';
      }
      return resolved;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => interpolate(item, env, `${path}[${index}]`, problems));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env, path ? `${path}.${key}` : key, problems)]),
    );
  }
  return value;
}

function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path
    .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
    .join('.')
    .replace(/\.\[/g, '[');
}

export function parseModelsConfig(raw: unknown, env: Environment, label = 'MODELS_FILE'): ModelsConfig {
  const problems: string[] = [];
  const interpolated = interpolate(raw, env, '', problems);
  const result = modelsFileSchema.safeParse(interpolated);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(`${label}: ${issuePath(issue) || '(root)'}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new ModelsFileError(problems);
  }
  return result.data;
}

/** Reads the models file (YAML or JSON; JSON is YAML) or returns the embedded default. */
export function loadModelsFile(path: string | undefined, env: Environment): ModelsConfig {
  if (!path) {
    return parseModelsConfig(EMBEDDED_MODELS, env);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file does not exist' : 'file cannot be read';
    throw new ModelsFileError([`MODELS_FILE: ${path}: ${reason}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false });
  } catch (error) {
    const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new ModelsFileError([`MODELS_FILE: ${path}: not valid YAML or JSON${line ? ` (line ${line})` : ''}`]);
  }
  return parseModelsConfig(raw, env);
}
