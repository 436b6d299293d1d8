import { BallastError } from '@ballast/errors';

/** Where a resume starts: the stream's request id and the last seq the client has (-1: from the start). */
export interface StreamCursor {
  requestId: string;
  after: number;
}

const SEQ = /^(0|[1-9][0-9]{0,8})$/;

/** `Last-Event-ID: <request_id>:<seq>`, as Ballast numbered the events (request ids may hold ':' too). */
export function parseLastEventId(value: string): StreamCursor {
  const colon = value.lastIndexOf(':');
  const seq = colon > 0 ? value.slice(colon + 1) : '';
  if (!SEQ.test(seq)) {
    throw invalid('Last-Event-ID', 'must be "<request_id>:<seq>", the id of the last event received');
  }
  return { requestId: value.slice(0, colon).trim(), after: Number(seq) };
}

/** The cursor of `GET /v1/chat/streams/{id}`: Last-Event-ID (what EventSource sends), else `?after=`, else from the start. */
export function cursorFor(requestId: string, lastEventId: string | undefined, after: unknown): StreamCursor {
  if (lastEventId) {
    const cursor = parseLastEventId(lastEventId);
    if (cursor.requestId !== requestId) {
      throw invalid('Last-Event-ID', 'names another stream than the path');
    }
    return cursor;
  }
  if (after === undefined) {
    return { requestId, after: -1 };
  }
  if (typeof after !== 'string' || !SEQ.test(after)) {
    throw invalid('after', 'must be a non-negative integer, the seq of the last event received');
  }
  return { requestId, after: Number(after) };
}

function invalid(field: string, message: string): BallastError {
  return new BallastError('VALIDATION_FAILED', { detail: `${field} ${message}.`, errors: [{ field, message }] });
}
