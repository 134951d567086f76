// The standard OpenTelemetry variables this project honours, validated like the rest of the
// configuration (every bad one named at once, ConfigError). Tracing is OFF unless asked for:
// OTEL_TRACES_EXPORTER set to otlp or console, or an OTLP endpoint given; OTEL_SDK_DISABLED=true
// wins over both. Off means no SDK is registered at all, and the code's @opentelemetry/api
// calls are the API's no-ops. The OTLP exporter reads its own variables too
// (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _HEADERS, _TIMEOUT, _COMPRESSION); the resource reads
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. SDK 3 no longer reads the sampler and
// batch-processor variables itself, so they are read here.
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../config/config.ts';

type Env = Readonly<Record<string, string | undefined>>;

export type TracesExporter = 'otlp' | 'console';
export type SamplerName = 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

export interface TracingConfig {
  readonly exporters: readonly TracesExporter[];
  readonly sampler: SamplerName;
  /** The ratio of the traceidratio samplers (OTEL_TRACES_SAMPLER_ARG), 0..1. */
  readonly samplerRatio: number;
  readonly batch: {
    readonly scheduledDelayMillis: number;
    readonly maxQueueSize: number;
    readonly maxExportBatchSize: number;
    readonly exportTimeoutMillis: number;
  };
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
const millis = (fallback: number) => z.string().regex(/^\d+$/, 'must be a whole number of milliseconds').transform(Number).optional().default(fallback);
const count = (fallback: number) => z.string().regex(/^[1-9]\d*$/, 'must be a positive integer').transform(Number).optional().default(fallback);

const SCHEMA = z.object({
  OTEL_SDK_DISABLED: z.enum(['true', 'false', ''], 'must be true or false').optional(),
  OTEL_TRACES_EXPORTER: z.string().transform((raw, ctx) => {
    const names = raw.split(',').map((n) => n.trim()).filter(Boolean);
    const bad = names.filter((n) => !['otlp', 'console', 'none'].includes(n));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be otlp, console or none (a comma-separated list), got ${bad.join(', ')}` });
      return z.NEVER;
    }
    return names;
  }).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/json'], 'only http/json is supported (the OTLP/HTTP JSON exporter; every collector takes it on :4318)').optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/json'], 'only http/json is supported').optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url('must be a URL').optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url('must be a URL').optional(),
  OTEL_TRACES_SAMPLER: z.enum(SAMPLERS, `must be one of ${SAMPLERS.join(', ')}`).optional().default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a ratio between 0 and 1').transform(Number).optional().default(1),
  OTEL_BSP_SCHEDULE_DELAY: millis(5_000),
  OTEL_BSP_MAX_QUEUE_SIZE: count(2_048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: count(512),
  OTEL_BSP_EXPORT_TIMEOUT: millis(30_000),
});

/** The tracing configuration, or null when tracing is off; throws ConfigError naming every bad variable. */
export function loadTracingConfig(env: Env = process.env): TracingConfig | null {
  // Empty means unset, as the OpenTelemetry specification says.
  const raw = Object.fromEntries(Object.keys(SCHEMA.shape).flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
  const parsed = SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: issue.message }));
    throw new ConfigError(issues);
  }
  const v = parsed.data;
  if (v.OTEL_SDK_DISABLED === 'true') return null;
  const named = v.OTEL_TRACES_EXPORTER ?? [];
  const endpoint = v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? v.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporters: TracesExporter[] = named.includes('none') ? [] : named.filter((n): n is TracesExporter => n !== 'none');
  if (v.OTEL_TRACES_EXPORTER === undefined && endpoint) exporters.push('otlp');
  if (exporters.length === 0) return null;
  if (v.OTEL_BSP_MAX_EXPORT_BATCH_SIZE > v.OTEL_BSP_MAX_QUEUE_SIZE) {
    throw new ConfigError([{ variable: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', message: `must be at most OTEL_BSP_MAX_QUEUE_SIZE (${v.OTEL_BSP_MAX_QUEUE_SIZE})` }]);
  }
  return {
    exporters,
    sampler: v.OTEL_TRACES_SAMPLER,
    samplerRatio: v.OTEL_TRACES_SAMPLER_ARG,
    batch: {
      scheduledDelayMillis: v.OTEL_BSP_SCHEDULE_DELAY,
      maxQueueSize: v.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: v.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
      exportTimeoutMillis: v.OTEL_BSP_EXPORT_TIMEOUT,
    },
  };
}
