import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

function parseJson(text: string): object | undefined {
  try {
    return JSON.parse(text) as object;
  } catch {
    return undefined;
  }
}

/**
 * One POST of a chat request, with failures shaped exactly as the openai SDK
 * shapes them (APIError.generate for a status, APIConnectionError and its
 * timeout and abort variants for the network), so translateOpenAiError reads
 * them unchanged. The SDK's own request path (option merging, header
 * building, debug-log formatting, its promise wrappers) cost about a fifth of
 * Ballast's CPU per request in the profile; the two hot calls skip it and
 * keep the SDK's errors and its SSE decoder.
 */
export async function postChat(
  fetchFn: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url, { method: 'POST', headers, body, signal });
  } catch (error) {
    if (signal.aborted) {
      throw new APIUserAbortError();
    }
    const text = `${String(error)}${error instanceof Error && error.cause ? String(error.cause) : ''}`;
    if ((error as { name?: unknown })?.name === 'AbortError' || /timed? ?out/i.test(text)) {
      throw new APIConnectionTimeoutError();
    }
    throw new APIConnectionError({ cause: error instanceof Error ? error : new Error(String(error)) });
  }
  if (!response.ok) {
    const text = await response.text().catch((error: unknown) => String((error as Error)?.message ?? error));
    const json = parseJson(text);
    throw APIError.generate(response.status, json, json ? undefined : text, response.headers);
  }
  return response;
}
