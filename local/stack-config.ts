// Ports and URLs of the local stack, from the environment with `supabase start`'s defaults, and the
// variable that changes each (named in "port in use" errors).
import { parsePort, DEFAULT_DB_PORT } from './postgres/dev-cluster.ts';

export interface StackPorts {
  api: number;
  db: number;
  exchange: number;
}

export const PORT_VARIABLES = { api: 'API_PORT', db: 'DB_PORT', exchange: 'EXCHANGE_PORT', app: 'APP_PORT' } as const;

export function stackPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  return {
    api: parsePort(env.API_PORT, 54321, 'API_PORT'),
    db: parsePort(env.DB_PORT, DEFAULT_DB_PORT, 'DB_PORT'),
    exchange: parsePort(env.EXCHANGE_PORT, 54329, 'EXCHANGE_PORT'),
  };
}

export function localApiUrl(ports: StackPorts): string {
  return `http://127.0.0.1:${ports.api}`;
}

export function localDatabaseUrl(ports: StackPorts): string {
  return `postgresql://postgres:postgres@127.0.0.1:${ports.db}/postgres`;
}
