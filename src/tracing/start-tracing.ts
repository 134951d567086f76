// The OpenTelemetry SDK, registered where a process starts (worker, read API) and nowhere else:
// the rest of the code speaks @opentelemetry/api only. With tracing off (tracing-config.ts)
// nothing is registered, so every span is the API's no-op and no header is read or written.
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, resourceAttributesEnvDetector, resourceFromAttributes, serviceNameEnvDetector } from '@opentelemetry/resources';
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ConsoleSpanExporter, ParentBasedSampler, SimpleSpanProcessor,
  TraceIdRatioBasedSampler, TracerProvider, type Sampler, type SpanExporter, type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { TracingConfig } from './tracing-config.ts';

export interface Tracing {
  /** Exports what is left and unregisters the SDK. */
  shutdown(): Promise<void>;
}

function samplerOf(config: TracingConfig): Sampler {
  switch (config.sampler) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'traceidratio': return new TraceIdRatioBasedSampler(config.samplerRatio);
    case 'parentbased_always_on': return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerRatio) });
  }
}

function processorOf(config: TracingConfig, name: TracingConfig['exporters'][number]): SpanProcessor {
  // The OTLP exporter takes its endpoint, headers, timeout and compression from OTEL_EXPORTER_OTLP_*.
  if (name === 'otlp') return new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), ...config.batch });
  return new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
}

/**
 * Registers the SDK: a tracer provider (sampler and batching as configured), the W3C trace
 * context propagator, a resource named by OTEL_SERVICE_NAME (else `serviceName`). `exporter`
 * replaces the configured ones (tests: the in-memory exporter).
 */
export function startTracing(config: TracingConfig, serviceName: string, exporter?: SpanExporter): Tracing {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': serviceName }))
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] }));
  const spanProcessors = exporter
    ? [new SimpleSpanProcessor({ exporter })]
    : config.exporters.map((name) => processorOf(config, name));
  const provider = new TracerProvider({ resource, sampler: samplerOf(config), spanProcessors });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
    },
  };
}
