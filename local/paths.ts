// Where the project and its git-ignored local state live; every other module asks here.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** All local state (cluster, keys, caches, logs): `.local/`, or `CANDLESTREAM_STATE_DIR`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CANDLESTREAM_STATE_DIR ? resolve(env.CANDLESTREAM_STATE_DIR) : join(projectRoot, '.local');
}

/** The folder a service writes its log into: `.local/logs/<service>.log`. */
export function logFile(service: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'logs', `${service}.log`);
}
