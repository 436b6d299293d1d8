import type { ErrorBody } from './error-body';

/** OpenAI's and Azure OpenAI's codes for a refusal by policy. */
const CODES = new Set([
  'content_filter',
  'content_policy_violation',
  'responsibleaipolicyviolation',
  'moderation_blocked',
  'content_filtered',
]);

const WORDING =
  /content (?:management |safety )?polic|content[ _-]?filter|safety system|responsible ?ai polic|flagged by (?:the )?moderation/i;

/** Statuses a policy refusal comes with; the request was understood and refused. */
const STATUSES = new Set([400, 403, 422, 451]);

/** Azure's filter categories: a closed set, so naming them tells the client what to change and nothing about the inside. */
const CATEGORIES = [
  'hate',
  'sexual',
  'violence',
  'self_harm',
  'jailbreak',
  'profanity',
  'protected_material_text',
  'protected_material_code',
];

export function isContentPolicyRefusal(status: number, body: ErrorBody): boolean {
  if (!STATUSES.has(status)) {
    return false;
  }
  return body.codes.some((code) => CODES.has(code)) || WORDING.test(body.message);
}

function flaggedCategories(body: ErrorBody): string[] {
  const inner = body.fields.innererror as { content_filter_result?: Record<string, { filtered?: unknown }> } | undefined;
  const result = inner?.content_filter_result;
  if (typeof result !== 'object' || result === null) {
    return [];
  }
  return CATEGORIES.filter((category) => result[category]?.filtered === true);
}

/** The client's detail: refused by the model's content policy, and which categories when the upstream named them. */
export function contentPolicyDetail(body: ErrorBody): string {
  const flagged = flaggedCategories(body);
  const which = flagged.length > 0 ? ` (flagged: ${flagged.join(', ')})` : '';
  return `The model's content policy refused this request${which}. Rephrase the messages and try again; sending it unchanged will be refused again.`;
}
