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

// The name of a process (/proc/PID/comm), '' once it is gone.
export function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
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

// CPU ticks (utime + stime, USER_HZ = 100 a second) a process has used so far; 0 once it is gone.
export function processTicks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

// The machine's busy and total CPU ticks so far, over all cores (the `cpu` line of /proc/stat).
export function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, v) => sum + v, 0);
  return { busy: total - fields[3] - fields[4], total };
}

// The ids of the processes whose parent is `pid` (a PostgreSQL postmaster's backends, say).
export function childrenOf(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return children;
}
