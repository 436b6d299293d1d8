/**
 * jsdom (jest-environment-jsdom) has no fetch, streams or text codecs. The
 * hook tests talk to a real Ballast, so give the jsdom window Node's own
 * implementations (undici's fetch, which also needs Node's timers and performance; jsdom
 * keeps its AbortController, which undici accepts) instead of a mocked
 * fetch. Import first.
 */
import { performance } from 'node:perf_hooks';
import { ReadableStream, TransformStream, WritableStream } from 'node:stream/web';
import { clearImmediate, clearInterval, clearTimeout, setImmediate, setInterval, setTimeout } from 'node:timers';
import { TextDecoder, TextEncoder } from 'node:util';

Object.assign(globalThis, { TextDecoder, TextEncoder, ReadableStream, TransformStream, WritableStream });
Object.assign(globalThis, { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate });
// jsdom's window.performance is an accessor that ignores assignment.
Object.defineProperty(globalThis, 'performance', { value: performance, configurable: true, writable: true });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const undici = require('undici') as typeof import('undici');
Object.assign(globalThis, { fetch: undici.fetch, Headers: undici.Headers, Request: undici.Request, Response: undici.Response });
