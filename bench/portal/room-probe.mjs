// Another guest's GET /api/v1/rooms, one at a time every `everyMs`, from a worker thread (probe.mjs)
// so that the load generator's own work does not delay it; and percentiles of what it measured.
import { Worker } from 'node:worker_threads';

// Starts probing; the returned function stops and resolves with {times, errors}.
export function roomProbe(port, cookie, everyMs) {
  const worker = new Worker(new URL('./probe.mjs', import.meta.url), {
    workerData: { port, path: '/api/v1/rooms', cookie: cookie.includes('=') ? cookie : `gp_session=${cookie}`, everyMs },
  });
  const result = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return async () => {
    worker.postMessage('stop');
    const r = await result;
    await worker.terminate();
    return r;
  };
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
