import { ConfigError, loadConfig } from './load-config';
import { tracingSettings } from './tracing-settings';

describe('tracingSettings', () => {
  it('is off without OTEL variables, and with only a service name', () => {
    expect(tracingSettings({}).enabled).toBe(false);
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'x' }).enabled).toBe(false);
  });

  it('turns OTLP on with an endpoint, protobuf by default', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      enabled: true,
      exporters: ['otlp'],
      protocol: 'http/protobuf',
      maxQueueSize: 2048,
      captureContent: false,
    });
    const sut = tracingSettings({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    });
    expect(sut).toMatchObject({ enabled: true, protocol: 'http/json', captureContent: true });
  });

  it('follows OTEL_TRACES_EXPORTER and OTEL_SDK_DISABLED', () => {
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'console' }).exporters).toEqual(['console']);
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).enabled).toBe(false);
    expect(tracingSettings({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).enabled).toBe(false);
  });

  it('is off in the primary of a cluster, on in its workers and in a single process', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', WORKERS: '2' };
    expect(tracingSettings(env, { clusterPrimary: true }).enabled).toBe(false);
    expect(tracingSettings(env, { clusterPrimary: false }).enabled).toBe(true);
    expect(tracingSettings({ ...env, WORKERS: '1' }, { clusterPrimary: true }).enabled).toBe(true);
  });

  it('stays off on a bad value (loadConfig then refuses to start, naming it)', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).enabled).toBe(false);
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' }).enabled).toBe(false);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
  });
});
