// The layering of src/ (docs/architecture.md), checked by `npm run lint` (`depcruise src`).
//
// Why dependency-cruiser and not eslint's no-restricted-imports: the eslint patterns match the
// import's text, so a pattern written for one folder level ('*/pipeline/*') let
// '../../pipeline/ports.ts' through from src/domain/consent/. dependency-cruiser resolves every
// import (type-only ones too) to the file it names and matches that file's path from the
// repository root, so a rule holds at any depth and for any spelling of the path; it also finds
// import cycles, which no eslint rule of ours could. It is the maintained tool the ecosystem uses
// for this (eslint-plugin-boundaries matches at any depth too, but finds no cycles).
//
// Each layer's rule is an allow-list of the src/ folders it may import ("may import only"), so a
// new folder is forbidden until a rule names it. No file is exempted: where a type was shared
// against the layers it was moved (see docs/architecture.md). test/unit/boundaries.test.ts proves
// the rules refuse a deep import and that src/ has no cycle.

/** The server client libraries: only the adapters (and the producer client's own transport) use them. */
const SERVER_CLIENTS = '(^|/)node_modules/(kafkajs|mongodb|ioredis|@kafkajs/confluent-schema-registry)/';

/** A rule: files under `from` may import, inside src/, only what `allowed` matches. */
function mayImportOnly(name, comment, from, allowed) {
  return { name, comment, severity: 'error', from: { path: from }, to: { path: '^src/', pathNot: allowed } };
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle ties its files into one: none may be read, tested or moved alone.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'The domain is pure functions of its arguments: it imports only the domain, node:crypto (hashing, no I/O) and canonicalize (RFC 8785 JSON text, a pure function; the ledger hashes it).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^(node:)?crypto$', '(^|/)node_modules/canonicalize/'] },
    },
    mayImportOnly('catalogue-is-a-leaf', 'The names shared by writers and readers import nothing.',
      '^src/catalogue/', '^src/catalogue/'),
    mayImportOnly('wait-is-a-leaf', 'The one wait policy (backoff, sleep, pollUntil) knows no server and no layer.',
      '^src/wait/', '^src/wait/'),
    mayImportOnly('logging-is-a-leaf', 'Everything but the domain logs; logging depends on nothing of ours.',
      '^src/logging/', '^src/logging/'),
    mayImportOnly('config-below-its-users', 'The configuration is read by the composition roots; it names no layer that uses it.',
      '^src/config/', '^src/(config|domain|catalogue|logging)/'),
    mayImportOnly('pipeline-depends-on-ports', 'The one pipeline knows the domain and its own ports, never an adapter, a family, the configuration, the api or the client.',
      '^src/pipeline/', '^src/(pipeline|domain|catalogue|logging|wait)/'),
    mayImportOnly('families-on-the-pipeline', 'A family is the domain on the shared pipeline: no adapter, configuration, api or client.',
      '^src/families/', '^src/(families|pipeline|domain|catalogue|logging|wait)/'),
    mayImportOnly('adapters-implement-ports', 'An adapter implements ports of the pipeline over one server; it knows no family, api, client or configuration (values come in as arguments).',
      '^src/adapters/', '^src/(adapters|pipeline|domain|catalogue|logging|wait)/'),
    mayImportOnly('ops-on-the-pipeline', 'The ops server and metrics observe the pipeline through its observer port.',
      '^src/ops/', '^src/(ops|pipeline|domain|catalogue|logging|wait)/'),
    mayImportOnly('tracing-is-process-set-up', 'The OpenTelemetry SDK is registered by the process entries only; the code speaks @opentelemetry/api.',
      '^src/tracing/', '^src/(tracing|config)/'),
    mayImportOnly('api-uses-pipeline-ports-only', 'The read API uses the domain and, of the pipeline, only its port modules (ports.ts, read-ports.ts).',
      '^src/api/', ['^src/(api|domain|catalogue|logging|config|adapters|ops|wait)/', '^src/pipeline/(ports|read-ports)\\.ts$', '^src/tracing/']),
    {
      name: 'tracing-sdk-only-at-process-entries',
      comment: 'Only a process entry registers the OpenTelemetry SDK (src/tracing); everything else uses @opentelemetry/api, a no-op without it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/api/main\\.ts$', '^src/tracing/'] },
      to: { path: ['^src/tracing/', '(^|/)node_modules/@opentelemetry/(sdk-|exporter-|resources|core)'] },
    },
    {
      name: 'api-process-root-uses-ops',
      comment: 'The read API process (api/main.ts) runs on the one ops module the worker uses (listener, stop path, readiness); the server, routes and start-api know nothing of it.',
      severity: 'error',
      from: { path: '^src/api/', pathNot: '^src/api/main\\.ts$' },
      to: { path: '^src/ops/' },
    },
    {
      name: 'api-wires-adapters-only-at-its-root',
      comment: 'Only the read API\'s composition root (start-api.ts) connects adapters; the server and routes get ports.',
      severity: 'error',
      from: { path: '^src/api/', pathNot: '^src/api/start-api\\.ts$' },
      to: { path: '^src/adapters/' },
    },
    mayImportOnly('client-imports-no-worker-internals', 'The producer client is a package of its own (dist/client): it may use domain types, the catalogue of topic names and the wait policy (leaves of no server), nothing else of the worker.',
      '^src/client/', '^src/(client|domain|catalogue|wait)/'),
    {
      name: 'client-uses-domain-types-only',
      comment: 'The client takes only types from the domain, so its build carries none of the worker\'s code.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/domain/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-imports-the-client',
      comment: 'The worker never depends on its own producer client.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/client/' },
      to: { path: '^src/client/' },
    },
    {
      name: 'server-clients-only-in-adapters',
      comment: 'The pipeline, the families and the domain know their servers only through ports: kafkajs, the Mongo driver, ioredis and the registry client stay in src/adapters.',
      severity: 'error',
      from: { path: '^src/(domain|pipeline|families)/' },
      to: { path: SERVER_CLIENTS },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // type-only imports are arrows too: a type shared against the layers couples them as much.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
