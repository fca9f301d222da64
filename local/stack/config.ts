// What `npm start` runs, read from the environment once and validated: ports, the feed, symbols, and
// which services are external (DATABASE_URL, SUPABASE_URL + keys) rather than started here.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { LocalStackError } from '../errors.ts';
import { parsePort } from '../postgres/dev-cluster.ts';
import { stackPorts, type StackPorts } from '../stack-config.ts';

// Outside `supabase start`'s ports (54320-54329), so the dashboard can run beside it.
export const DEFAULT_APP_PORT = 54330;
export const DEFAULT_SYMBOLS = ['BTCUSDT'];

export type FeedChoice = { kind: 'auto' } | { kind: 'binance' } | { kind: 'simulated' } | { kind: 'replay'; csvPath: string };

export interface ExternalApi {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
}

export interface StackConfig {
  ports: StackPorts & { app: number };
  feed: FeedChoice;
  symbols: string[];
  /** Set: use this Postgres and start no cluster. */
  databaseUrl?: string;
  /** Set: use this Supabase API (Realtime, functions) and start no gateway, functions host or feed. */
  externalApi?: ExternalApi;
}

/** Reads the configuration; a bad value is a LocalStackError with exit status 2 naming the variable. */
export function readStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const externalApi = readExternalApi(env);
  const databaseUrl = readDatabaseUrl(env.DATABASE_URL);
  if (externalApi && !databaseUrl) {
    throw usage('DATABASE_URL_REQUIRED', 'SUPABASE_URL is set, so the functions write to that project\'s database: set DATABASE_URL to it too (the dashboard reads candles there)');
  }
  const feed = readFeed(env.FEED);
  if (externalApi && feed.kind !== 'auto') {
    throw usage('FEED_NOT_LOCAL', `FEED=${env.FEED} chooses the local functions' feed, but SUPABASE_URL is set: configure the feed with the deployed function's secrets (EXCHANGE_MARKET, EXCHANGE_WS_URL...) instead`);
  }
  return {
    ports: { ...stackPorts(env), app: parsePort(env.APP_PORT, DEFAULT_APP_PORT, 'APP_PORT') },
    feed,
    symbols: readSymbols(env.SYMBOLS),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(externalApi ? { externalApi } : {}),
  };
}

export function readFeed(value: string | undefined): FeedChoice {
  const feed = value?.trim() || 'auto';
  if (feed === 'auto' || feed === 'binance' || feed === 'simulated') return { kind: feed };
  if (feed.startsWith('replay:')) {
    const csvPath = resolve(feed.slice('replay:'.length));
    if (!existsSync(csvPath)) throw usage('REPLAY_FILE_MISSING', `FEED=${feed}: no file at ${csvPath}`);
    return { kind: 'replay', csvPath };
  }
  throw usage('INVALID_FEED', `FEED must be auto, binance, simulated or replay:<csv>, got "${feed}"`);
}

export function readSymbols(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return DEFAULT_SYMBOLS;
  const symbols = value.split(',').map((symbol) => symbol.trim().toUpperCase());
  const bad = symbols.find((symbol) => !/^[A-Z0-9]{2,20}$/.test(symbol));
  if (bad !== undefined) throw usage('INVALID_SYMBOLS', `SYMBOLS must be comma-separated exchange symbols like BTCUSDT,ETHUSDT; "${bad}" is not one`);
  return [...new Set(symbols)];
}

function readDatabaseUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol)) {
    throw usage('INVALID_DATABASE_URL', 'DATABASE_URL must be a postgresql:// connection string (unset it to use the local cluster)');
  }
  return value;
}

function readExternalApi(env: NodeJS.ProcessEnv): ExternalApi | undefined {
  const url = env.SUPABASE_URL;
  const anonKey = env.SUPABASE_ANON_KEY;
  const serviceRoleKey = env.SUPABASE_SERVICE_ROLE_KEY;
  if (!url) {
    const stray = anonKey ? 'SUPABASE_ANON_KEY' : serviceRoleKey ? 'SUPABASE_SERVICE_ROLE_KEY' : undefined;
    if (stray) throw usage('SUPABASE_URL_REQUIRED', `${stray} is set without SUPABASE_URL: keys belong to the project that issued them; set SUPABASE_URL too, or unset the keys to use the local ones (.local/keys.json)`);
    return undefined;
  }
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw usage('INVALID_SUPABASE_URL', `SUPABASE_URL must be an http(s) URL, got "${url}"`);
  const missing = [['SUPABASE_ANON_KEY', anonKey], ['SUPABASE_SERVICE_ROLE_KEY', serviceRoleKey]].filter(([, key]) => !key).map(([name]) => name);
  if (missing.length) throw usage('SUPABASE_KEYS_REQUIRED', `SUPABASE_URL is set, so ${missing.join(' and ')} must be set too (the project's API keys)`);
  return { url: url.replace(/\/+$/, ''), anonKey: anonKey!, serviceRoleKey: serviceRoleKey! };
}

function usage(code: string, message: string): LocalStackError {
  return new LocalStackError(code, message, 2);
}
