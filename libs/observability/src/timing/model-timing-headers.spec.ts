import { BallastError } from '@ballast/errors';
import { ClientPresence } from '../client-presence';
import { RequestContext, requestContext } from '../request-context';
import { ModelAttempt } from '../tracing/model-attempt';
import { modelTimingHeaders } from './model-timing-headers';
import { requestTimings } from './request-timings';

describe('modelTimingHeaders', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  const newContext = (): RequestContext => ({
    requestId: 'r1',
    startedAt: performance.now(),
    client: new ClientPresence(),
    outcome: {},
  });

  it('splits the time to the answer into Ballast, upstream, failed attempts, backoff and queue, and notes it for the log', () => {
    const context = newContext();
    const sut = () => requestContext.run(context, modelTimingHeaders);
    requestContext.run(context, () => {
      jest.advanceTimersByTime(4); // parsing, validation
      requestTimings()!.waited('queue', 5);
      jest.advanceTimersByTime(5);
      const first = new ModelAttempt({ operation: 'chat', providerId: 'p', providerType: 'openai', model: 'm' });
      jest.advanceTimersByTime(30);
      first.failed(new BallastError('UPSTREAM_UNAVAILABLE'));
      requestTimings()!.waited('backoff', 50);
      jest.advanceTimersByTime(50);
      const second = new ModelAttempt({ operation: 'chat', providerId: 'p', providerType: 'openai', model: 'm' });
      jest.advanceTimersByTime(100);
      second.succeeded();
      jest.advanceTimersByTime(3);
      requestContext.note({ attempts: 2 });
    });

    expect(sut()).toEqual({
      'X-Ballast-Attempts': '2',
      'Server-Timing': 'ballast;dur=7, upstream;dur=100, failed;dur=30, backoff;dur=50, queue;dur=5',
    });
    expect(context.outcome.timing).toEqual({ ballast: 7, upstream: 100, failed: 30, backoff: 50, queue: 5 });
  });

  it('takes a stream attempt at its first chunk: what happens after is not in the headers', () => {
    const context = newContext();
    requestContext.run(context, () => {
      const attempt = new ModelAttempt({ operation: 'chat', providerId: 'p', providerType: 'openai', model: 'm' });
      jest.advanceTimersByTime(40);
      attempt.firstChunk();
      jest.advanceTimersByTime(500);
      attempt.failed(new BallastError('MODEL_TIMEOUT'));
    });
    expect(context.outcome.timing).toBeUndefined();
    const headers = requestContext.run(context, modelTimingHeaders);
    expect(headers['Server-Timing']).toContain('upstream;dur=40, failed;dur=0');
    expect(headers['X-Ballast-Attempts']).toBe('1');
  });

  it('says nothing outside a request', () => {
    expect(modelTimingHeaders()).toEqual({});
  });
});
