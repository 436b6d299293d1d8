const PART_TYPES = new Set(['text', 'image_url', 'input_audio', 'file', 'refusal']);

/** Why a message's content is invalid, or undefined when it is fine. */
export function contentProblem(content: unknown, role: unknown): string | undefined {
  if (content === null || content === undefined) {
    return role === 'assistant' ? undefined : 'must not be empty';
  }
  if (typeof content === 'string') {
    // Its length limit is a setting, checked earlier (precheckChatRequest).
    return content.length === 0 ? 'must not be empty' : undefined;
  }
  if (!Array.isArray(content)) {
    return 'must be a string or an array of content parts';
  }
  if (content.length === 0) {
    return 'must not be empty';
  }
  for (const [index, part] of content.entries()) {
    const problem = partProblem(part);
    if (problem) {
      return `part [${index}] ${problem}`;
    }
  }
  return undefined;
}

function partProblem(part: unknown): string | undefined {
  if (typeof part !== 'object' || part === null) {
    return 'must be an object';
  }
  const { type, text, image_url: imageUrl } = part as { type?: unknown; text?: unknown; image_url?: unknown };
  if (typeof type !== 'string' || !PART_TYPES.has(type)) {
    return `has an unknown type; use one of ${[...PART_TYPES].join(', ')}`;
  }
  if (type === 'text') {
    return typeof text !== 'string' || text.length === 0 ? 'text must be a non-empty string' : undefined;
  }
  if (type === 'image_url') {
    const url = (imageUrl as { url?: unknown } | undefined)?.url;
    if (typeof url !== 'string' || !/^(https?:\/\/|data:)/i.test(url)) {
      return 'image_url.url must be an http(s) URL or a data: URL';
    }
  }
  return undefined;
}
