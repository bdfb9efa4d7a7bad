import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * CPU time (user + system, all threads) a process has used so far, from
 * /proc/<pid>/stat, in microseconds. Linux only; the resolution is one clock
 * tick (usually 10 ms), which is why runs last seconds.
 */

const ticksPerSecond = readTicksPerSecond();

function readTicksPerSecond(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces and parentheses; the fields after it do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[11]); // field 14, utime
  const systemTicks = Number(fields[12]); // field 15, stime
  return ((userTicks + systemTicks) * 1_000_000) / ticksPerSecond;
}

/** Resident set size of a process now, from /proc/<pid>/status, in MiB (NaN when unreadable). */
export function processRssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}

export function canReadCpuTime(): boolean {
  try {
    return Number.isFinite(processCpuMicros(process.pid));
  } catch {
    return false;
  }
}
