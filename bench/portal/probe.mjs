// The "other client" of bench/portal/runtime.mjs, in a worker thread of its own: the load generator's
// JavaScript (hundreds of requests parsed on the main thread) must not delay the measurement, as it
// would not delay a real client on another machine. One keep-alive connection; one GET at a time every
// `everyMs`; posts {times, errors} back when told to stop.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as delay } from 'node:timers/promises';

const { port, path, cookie, everyMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const times = [];
const errors = [];
let running = true;

function get() {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { cookie } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on('error', (error) => resolve({ status: `error ${error.message}`, ms: performance.now() - started }));
  });
}

parentPort.on('message', () => {
  running = false;
});

while (running) {
  const tick = delay(everyMs);
  const r = await get();
  if (r.status === 200) times.push(r.ms);
  else errors.push(String(r.status));
  await tick;
}
agent.destroy();
parentPort.postMessage({ times, errors });
