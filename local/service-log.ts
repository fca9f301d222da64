// Per-service log files (.local/logs/<service>.log): timestamped lines from in-process services,
// raw output from child processes, and the tail a dead service is reported with.
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { logFile } from './paths.ts';

export interface ServiceLog {
  path: string;
  /** Appends one line, prefixed with an ISO timestamp. */
  write(line: string): void;
  /** The underlying stream, for piping a child's output into the same file. */
  stream: WriteStream;
  close(): Promise<void>;
}

/** Logs are appended across runs; past this size a log moves to `<name>.log.1` (replacing the older one) when opened. */
export const ROTATE_AT_BYTES = 10 * 1024 * 1024;

/** Opens `.local/logs/<service>.log` for appending (created with its folder when missing). */
export function openServiceLog(service: string, path = logFile(service)): ServiceLog {
  mkdirSync(dirname(path), { recursive: true });
  rotateLog(path);
  const stream = createWriteStream(path, { flags: 'a' });
  // A late line from a stopping child (after close) or a full disk must not crash the stack.
  stream.on('error', () => {});
  return {
    path,
    stream,
    write: (line) => void stream.write(`${new Date().toISOString()} ${line}\n`),
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}

/** Moves a log past ROTATE_AT_BYTES to `<path>.1`, so a long-lived .local/logs stays bounded. */
export function rotateLog(path: string, limit = ROTATE_AT_BYTES): void {
  if (existsSync(path) && statSync(path).size > limit) renameSync(path, `${path}.1`);
}

/** The last `lines` lines of a file (reading at most its last 64 KiB); [] when it is missing or empty. */
export function tailLines(path: string, lines = 20): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = statSync(path).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8').replace(/\s+$/, '');
    return text === '' ? [] : text.split('\n').slice(-lines);
  } finally {
    closeSync(fd);
  }
}

/** "Last lines of <path>:" and the lines, indented: how a dead or failed service is shown. */
export function describeTail(path: string, lines = tailLines(path)): string {
  return [`Last lines of ${path}:`, ...(lines.length ? lines : ['(empty log)']).map((line) => `  | ${line}`)].join('\n');
}
