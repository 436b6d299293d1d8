/** A real OTLP/HTTP trace receiver on loopback: what the exporter actually sends, decoded (JSON) or kept raw (protobuf). */
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
};
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  serviceName?: string;
}

export interface OtlpReceiver {
  url: string;
  /** Every decoded span (JSON exports), in arrival order. */
  spans: ReceivedSpan[];
  /** Every request body as received, protobuf included: for grepping. */
  bodies: Buffer[];
  contentTypes: string[];
  /** Resolves once `test(spans)` holds (checked as exports arrive). */
  waitFor<T>(test: (spans: ReceivedSpan[]) => T | undefined | false): Promise<T>;
  close(): Promise<void>;
}

function valueOf(value: AnyValue | undefined): unknown {
  if (!value) {
    return undefined;
  }
  if (value.arrayValue) {
    return (value.arrayValue.values ?? []).map(valueOf);
  }
  if (value.intValue !== undefined) {
    return Number(value.intValue);
  }
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));
}

type ExportRequest = {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        events?: Array<{ name: string; attributes?: KeyValue[] }>;
        status?: { code?: number; message?: string };
      }>;
    }>;
  }>;
};

function decode(body: ExportRequest): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'] as string | undefined;
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId || undefined,
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
        events: (span.events ?? []).map((event) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
        status: { code: span.status?.code ?? 0, message: span.status?.message },
        serviceName,
      })),
    );
  });
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: Buffer[] = [];
  const contentTypes: string[] = [];
  const waiters: Array<() => boolean> = [];
  const server: Server = createServer((req, res) => {
    void read(req).then((body) => {
      bodies.push(body);
      const type = String(req.headers['content-type'] ?? '');
      contentTypes.push(type);
      if (type.includes('json')) {
        spans.push(...decode(JSON.parse(body.toString('utf8')) as ExportRequest));
      }
      res
        .writeHead(200, { 'content-type': type.includes('json') ? 'application/json' : 'application/x-protobuf' })
        .end(type.includes('json') ? '{}' : '');
      for (const waiter of [...waiters]) {
        if (waiter()) {
          waiters.splice(waiters.indexOf(waiter), 1);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    contentTypes,
    waitFor: <T>(test: (spans: ReceivedSpan[]) => T | undefined | false) =>
      new Promise<T>((resolve) => {
        const check = () => {
          const found = test(spans);
          if (found) {
            resolve(found);
            return true;
          }
          return false;
        };
        if (!check()) {
          waiters.push(check);
        }
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
