/**
 * What the kernel says of a process (Linux /proc): its memory and the CPU time of its threads.
 * Each reader answers undefined elsewhere or once the process has exited.
 */
import fs from 'node:fs';

export interface ProcMemory {
  /** resident now, MiB */
  rssMiB: number;
  /** peak resident so far, MiB */
  hwmMiB: number;
  /**
   * of what is resident now, the pages of mapped files (the node binary, its libraries), MiB:
   * the kernel may drop them when memory is short or cold and read them back when touched, so
   * they move without the process allocating or freeing anything; absent before Linux 4.5
   */
  fileMiB?: number;
}

/** The kernel's view of a process's memory (Linux /proc); undefined elsewhere or once it exited. */
export function procMemory(pid: number | undefined): ProcMemory | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    const m: ProcMemory = { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
    const file = kib('RssFile');
    if (Number.isFinite(file)) m.fileMiB = file / 1024;
    return m;
  } catch {
    return undefined;
  }
}

/**
 * CPU time a process has used so far, all its threads, in microseconds (Linux: the scheduler's
 * nanosecond counters in /proc/PID/task/TID/schedstat, finer than the 10 ms clock ticks of
 * /proc/PID/stat, which a burst of a fraction of a second would round away); undefined
 * elsewhere or once it exited. Threads that ended earlier are not counted, so read it around
 * a phase, not across a process's whole life.
 */
export function procCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    return Number.isFinite(ns) ? ns / 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process's main thread alone (its thread id is its pid), in microseconds: the
 * JavaScript of a Node.js process runs there, while the garbage collector's helpers and libuv's
 * pool run beside it. Undefined elsewhere or once it exited.
 */
export function procMainThreadCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const ns = Number(fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fields of a /proc stat line after the command name, from the third (state) on: the name
 * is in parentheses and may itself hold spaces and parentheses.
 */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Clock ticks per second of the times in /proc/PID/stat (USER_HZ): 100 on every Linux
 * architecture Node.js runs on, and not readable from Node.js itself.
 */
const USER_HZ = 100;

/**
 * Of a process's main thread's CPU time, what the kernel spent on its behalf (system calls,
 * faults, wake-ups), in microseconds: the stime of /proc/PID/task/PID/stat, counted in clock
 * ticks (10 ms), so read it around a phase of a second or more. Undefined elsewhere or once it
 * exited.
 */
export function procMainThreadSystemMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // stime is the 15th field
    const stime = Number(statFields(fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'))[12]);
    return Number.isFinite(stime) ? (stime * 1e6) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/** The name the kernel gives a process (its `comm`); undefined elsewhere or once it exited. */
export function procName(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Every process now, by /proc; empty elsewhere. */
export function procPids(): number[] {
  try {
    return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return [];
  }
}

/** The processes whose parent is `pid`, from /proc; empty elsewhere. */
export function procChildren(pid: number): number[] {
  return procPids().filter((child) => {
    try {
      // the parent is the fourth field
      return Number(statFields(fs.readFileSync(`/proc/${child}/stat`, 'utf8'))[1]) === pid;
    } catch {
      return false;
    }
  });
}

/** The environment a process started with; undefined elsewhere or once it exited. */
export function procEnviron(pid: number): Record<string, string> | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    return Object.fromEntries(raw.split('\0').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  } catch {
    return undefined;
  }
}
