import { v7 as uuidv7 } from 'uuid';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A client's id is kept only when it is safe to echo, log and send upstream. */
export function acceptRequestId(candidate: unknown): string {
  if (typeof candidate === 'string' && VALID_REQUEST_ID.test(candidate)) {
    return candidate;
  }
  return uuidv7();
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function acceptTraceparent(candidate: unknown): string | undefined {
  return typeof candidate === 'string' && TRACEPARENT.test(candidate.trim()) ? candidate.trim() : undefined;
}
