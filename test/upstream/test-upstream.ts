/** The test upstream: a real OpenAI-compatible HTTP server on node:http, with scriptable faults. */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './seeded-random';
import { ChatHandler } from './chat-handler';
import { DEFAULT_REPLY, errorBody } from './chat-responses';
import { CONTROL_PREFIX, handleControl } from './control-routes';
import { FaultSchedule } from './fault-schedule';
import { Fault } from './faults';
import { parseJson, readBody, send } from './http-io';
import { RecordedRequest, RequestLog } from './request-log';

export interface TestUpstreamOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Content chunks per streamed answer (default 5). */
  chunks?: number;
  /** Pause between streamed chunks (default 0). */
  chunkDelayMs?: number;
  /** The answer's text (default ~500 bytes of "Hello from the test upstream. "). */
  reply?: string;
  /** The model id listed by GET /v1/models and answered when a request names none (default "test-model"). */
  name?: string;
  /** false keeps `requests` empty, for benchmarks (default true). */
  record?: boolean;
  /** Seeds the dice of `random-status` and `sometimes` faults, so a run repeats (default: unseeded). */
  seed?: number;
}

export interface TestUpstream {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1. */
  url: string;
  port: number;
  /** Every request received, in order (control requests excepted). */
  requests: RecordedRequest[];
  /** Faults consumed one per chat request, first in first out. */
  enqueue(...faults: Fault[]): void;
  /** The fault for every chat request while the queue is empty; undefined = behave. */
  setDefault(fault: Fault | undefined): void;
  /** Clears the queue, the default, the recorded requests and the chat request count. */
  reset(): void;
  /** Chat calls being answered now. */
  readonly inFlight: number;
  /** The most chat calls answered at once since the last reset. */
  readonly maxInFlight: number;
  /** Resolves when at least n chat requests (since the last reset) have arrived with their body. */
  waitForRequests(n: number): Promise<void>;
  /** Stops listening and destroys every open connection, hung ones included. */
  close(): Promise<void>;
}

export async function startTestUpstream(options: TestUpstreamOptions = {}): Promise<TestUpstream> {
  const model = options.name ?? 'test-model';
  const schedule = new FaultSchedule(options.seed === undefined ? Math.random : seededRandom(options.seed));
  const log = new RequestLog(options.record !== false);
  const chat = new ChatHandler(
    { chunks: options.chunks ?? 5, chunkDelayMs: options.chunkDelayMs ?? 0, reply: options.reply ?? DEFAULT_REPLY, model },
    schedule,
  );
  const modelsBody = JSON.stringify({
    object: 'list',
    data: [{ id: model, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'test-upstream' }],
  });
  const resetAll = (): void => {
    schedule.reset();
    log.clear();
    chat.maxInFlight = chat.inFlight;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const method = req.method ?? 'GET';
    if (path.startsWith(CONTROL_PREFIX)) {
      return handleControl(method, path, await readBody(req), res, schedule, log, resetAll);
    }
    const entry = log.record(req, res, path);
    const text = await readBody(req);
    const body = parseJson(text);
    if (entry) {
      entry.body = body;
    }
    if (method === 'POST' && path === '/v1/chat/completions') {
      log.chatArrived();
      return chat.handle(res, body);
    }
    if (method === 'GET' && path === '/v1/models') {
      return send(res, 200, modelsBody);
    }
    send(res, 404, errorBody(`No route ${method} ${path}.`, 'not_found_error'));
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    route(req, res).catch(() => {
      // the client went away mid-body, or a write failed: nothing left to answer
      if (!res.headersSent && !res.destroyed) {
        send(res, 500, errorBody('Test upstream failure.'));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      log.shuttingDown = true;
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
  const port = (server.address() as AddressInfo).port;
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    requests: log.requests,
    enqueue: (...faults) => schedule.enqueue(faults),
    setDefault: (fault) => schedule.setDefault(fault),
    get inFlight() {
      return chat.inFlight;
    },
    get maxInFlight() {
      return chat.maxInFlight;
    },
    reset: resetAll,
    waitForRequests: (n) => log.waitForChat(n),
    close: () => (closing ??= close()),
  };
}
