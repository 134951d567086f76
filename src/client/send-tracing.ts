// The producer's side of a command's trace, through @opentelemetry/api only: the service using
// the client registers the SDK (or not). send() starts a PRODUCER span, a child of whatever span
// is active where send() is called, and its W3C `traceparent` goes in the command's Kafka
// headers; the worker continues that trace. Without a registered SDK and propagator the span is
// a no-op and no header is written.
import { SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';

export interface SendTrace {
  /** The headers the command carries (empty when tracing is off). */
  readonly headers: Record<string, string>;
  end(error?: unknown): void;
}

export function startSendSpan(topic: string, commandId: string, commandType: string): SendTrace {
  const span: Span = trace.getTracer('consent-worker-client').startSpan(`send ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'consent_worker.command.id': commandId,
      'consent_worker.command.type': commandType,
    },
  }, context.active());
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), headers);
  return {
    headers,
    end(error?: unknown) {
      if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'failed' });
      span.end();
    },
  };
}
