// What the benchmarks read of a process in /proc: status fields, threads and their CPU time.
import { readFileSync, readdirSync } from 'node:fs';

// A numeric field of /proc/PID/status (VmRSS, VmHWM, Threads, ...), in its own unit.
export function statusField(pid, name) {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'));
  return match ? Number(match[1]) : NaN;
}

export function openFiles(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

// CPU ticks (utime + stime) per thread id.
export function threadTicks(pid) {
  const ticks = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ticks;
}

// Samples the thread count every `everyMs` until stopped; the returned function stops it and gives
// the peak.
export function threadSampler(pid, everyMs = 20) {
  let peak = statusField(pid, 'Threads');
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, statusField(pid, 'Threads'));
    } catch {
      // the process is gone; the run will report it
    }
  }, everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, statusField(pid, 'Threads'));
  };
}
