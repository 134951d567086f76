// A collector-less OTLP/HTTP endpoint for measuring what tracing costs the worker: it accepts
// every export (POST /v1/traces), counts the spans and bytes, and discards them. Run it beside
// `npm run bench` with OTEL_EXPORTER_OTLP_ENDPOINT pointing at it (docs/tracing.md):
//   node bench/otlp-sink.ts [port]     (default 4318; prints its totals every 10 s and on SIGINT)
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4_318);
let requests = 0;
let spans = 0;
let bytes = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    requests++;
    bytes += body.length;
    // OTLP/JSON: resourceSpans[].scopeSpans[].spans[]; counted without keeping anything.
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
      for (const r of parsed.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans += s.spans?.length ?? 0;
    } catch {
      // not JSON (a protobuf export): counted in bytes only
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

const report = (): void => console.log(`${new Date().toISOString()} otlp-sink: ${requests} exports, ${spans} spans, ${bytes} bytes`);
setInterval(report, 10_000).unref();
process.on('SIGINT', () => { report(); process.exit(0); });
process.on('SIGTERM', () => { report(); process.exit(0); });
server.listen(port, '127.0.0.1', () => console.log(`otlp-sink listening on http://127.0.0.1:${port}`));
