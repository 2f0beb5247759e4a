// The image's HEALTHCHECK: exits 0 when Spanbase answers /ready (WAL replayed, every module up).
// The slim base image has no curl. SPANBASE_HEALTH_PORT names the HTTP API port when it is not
// the default 3200.
const port = process.env.SPANBASE_HEALTH_PORT || '3200';
try {
  const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2500) });
  process.exitCode = res.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
