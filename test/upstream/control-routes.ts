/** /__control/*: scripting the upstream over HTTP, for when it runs in another process. */
import type { ServerResponse } from 'node:http';
import { errorBody } from './chat-responses';
import { FaultSchedule } from './fault-schedule';
import { parseFault, parseFaults } from './faults';
import { parseJson, send } from './http-io';
import { RequestLog } from './request-log';

export const CONTROL_PREFIX = '/__control/';

export function handleControl(
  method: string,
  path: string,
  text: string,
  res: ServerResponse,
  schedule: FaultSchedule,
  log: RequestLog,
  resetAll: () => void,
): void {
  const route = `${method} ${path.slice(CONTROL_PREFIX.length)}`;
  try {
    switch (route) {
      case 'POST enqueue': {
        schedule.enqueue(parseFaults(parseJson(text)));
        return send(res, 200, JSON.stringify({ queued: schedule.pending }));
      }
      case 'POST default': {
        const value = parseJson(text);
        schedule.setDefault(value === null || value === undefined ? undefined : parseFault(value));
        return send(res, 200, JSON.stringify({ default: value ?? null }));
      }
      case 'POST reset':
        resetAll();
        return send(res, 200, '{"reset":true}');
      case 'GET requests':
        return send(res, 200, JSON.stringify(log.toJson()));
      default:
        return send(res, 404, errorBody(`No control route ${method} ${path}.`, 'not_found_error'));
    }
  } catch (err) {
    send(res, 400, errorBody((err as Error).message, 'invalid_request_error'));
  }
}
