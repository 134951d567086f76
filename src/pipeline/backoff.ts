// The wait policy moved to src/wait/ (a leaf the adapters and the producer client share too);
// kept here so the pipeline's imports read as before.
export * from '../wait/backoff.ts';
