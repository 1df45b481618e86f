// Runs wrk and reads its summary; shared by the benchmarks. Rejects when wrk fails or prints no rate.
import { execFile } from 'node:child_process';

export function runWrk(args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { env: { ...process.env, ...env }, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      const rps = stdout.match(/Requests\/sec:\s+([\d.]+)/);
      const total = stdout.match(/(\d+) requests in/);
      const non2xx = stdout.match(/Non-2xx or 3xx responses:\s+(\d+)/);
      const socketErrors = stdout.match(/Socket errors:([^\n]+)/);
      if (!rps || !total) return reject(new Error(`could not read wrk output:\n${stdout}`));
      return resolve({
        rps: Number(rps[1]),
        requests: Number(total[1]),
        non2xx: non2xx ? Number(non2xx[1]) : 0,
        socketErrors: socketErrors ? socketErrors[1].trim() : '',
        latency: (stdout.match(/Latency\s+(\S+)/) || [])[1] || '?',
      });
    });
  });
}
