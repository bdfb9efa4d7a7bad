import type { PGliteOptions } from "@electric-sql/pglite";

/**
 * PGlite tuned for a gateway: a small database (keys, credentials, agents,
 * spend rows) written in batches, one client. Postgres's defaults size it for
 * a server of its own; here every buffer is WebAssembly memory in the
 * gateway's process, so they are cut down.
 *
 * Durability: PGlite runs Postgres with fsync off (`-F`, its default, kept):
 * a committed write is in the operating system's page cache, so it survives
 * the gateway crashing or being killed, but not the machine losing power
 * before the kernel writes it out. synchronous_commit=off adds nothing to
 * that loss window that fsync off has not already opened.
 */
export const pgliteSettings: PGliteOptions = {
  // No initialMemory: the WebAssembly module itself declares 128 MiB as its least; it grows from there on demand,
  // and only the pages Postgres touches count in RSS, so small buffers below keep it near that floor.
  startParams: [
    // PGlite's own defaults (single-user backend, fsync off, no parallel workers, synchronous I/O).
    "--single",
    "-F",
    "-O",
    "-j",
    "-c",
    "search_path=public",
    "-c",
    "exit_on_error=false",
    "-c",
    "log_checkpoints=false",
    "-c",
    "max_worker_processes=0",
    "-c",
    "max_parallel_workers=0",
    "-c",
    "max_parallel_workers_per_gather=0",
    "-c",
    "io_method=sync",
    "-c",
    "max_parallel_maintenance_workers=0",
    // A gateway's tables are small and mostly cached by the gateway itself (keys, credentials, agents in memory);
    // spend rows are appended. 8 MiB of pages (1,024) holds the hot ones; each MiB less is a MiB less RSS.
    "-c",
    "shared_buffers=8MB",
    "-c",
    "wal_buffers=1MB",
    "-c",
    "work_mem=2MB",
    "-c",
    "maintenance_work_mem=16MB",
    "-c",
    "temp_buffers=2MB",
    // Keep the WAL on disk small: checkpoints come sooner, two segments are kept.
    "-c",
    "max_wal_size=64MB",
    "-c",
    "min_wal_size=32MB",
    "-c",
    "synchronous_commit=off",
  ],
};
