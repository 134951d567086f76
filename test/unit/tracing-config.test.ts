import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.ts';
import { loadTracingConfig } from '../../src/tracing/tracing-config.ts';

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadTracingConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => i.variable);
    throw error;
  }
  return [];
}

describe('the tracing configuration (OTEL_* variables)', () => {
  it('is off when no exporter and no endpoint is set', () => {
    expect(loadTracingConfig({})).toBeNull();
    expect(loadTracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_EXPORTER: '' })).toBeNull();
  });

  it('is on with an OTLP endpoint alone, with the standard defaults', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      exporters: ['otlp'], sampler: 'parentbased_always_on', samplerRatio: 1,
      batch: { scheduledDelayMillis: 5_000, maxQueueSize: 2_048, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 },
    });
  });

  it('is off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, whatever else is set', () => {
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeNull();
    expect(loadTracingConfig({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toBeNull();
  });

  it('reads the sampler and batch variables the SDK no longer reads itself', () => {
    expect(loadTracingConfig({
      OTEL_TRACES_EXPORTER: 'console,otlp', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25', OTEL_BSP_SCHEDULE_DELAY: '200',
    })).toMatchObject({ exporters: ['console', 'otlp'], sampler: 'parentbased_traceidratio', samplerRatio: 0.25, batch: { scheduledDelayMillis: 200 } });
  });

  it('names every bad variable at once', () => {
    expect(issuesOf({
      OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_SAMPLER: 'sometimes', OTEL_TRACES_SAMPLER_ARG: '2', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector',
    }).sort()).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_EXPORTER', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG']);
  });
});
