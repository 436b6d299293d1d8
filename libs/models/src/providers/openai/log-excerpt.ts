/** What a log line may carry of an upstream's bytes. */
export const LOG_EXCERPT_CHARS = 512;

/** At most LOG_EXCERPT_CHARS of an upstream's text, marked when anything was left out (here or while reading). */
export function logExcerpt(text: string, cutWhileReading = false): string {
  if (text.length <= LOG_EXCERPT_CHARS && !cutWhileReading) {
    return text;
  }
  return `${text.slice(0, LOG_EXCERPT_CHARS)}…[truncated]`;
}
