// npm run realtime — the Realtime stand-in alone, behind its own gateway on the API port: the WebSocket at
// /realtime/v1/websocket and the REST broadcast API, with changes streamed from the database's
// supabase_realtime publication, until SIGINT/SIGTERM.
import { redact } from '../local/database.ts';
import { LocalStackError } from '../local/errors.ts';
import { startGateway } from '../local/gateway.ts';
import { ensureLocalKeys } from '../local/keys.ts';
import { startRealtime, type RealtimeServer } from '../local/realtime/server.ts';
import { localDatabaseUrl, PORT_VARIABLES, stackPorts } from '../local/stack-config.ts';
import { parseCli, runMain, untilStopSignal } from './cli.ts';

const USAGE = `usage: npm run realtime -- [--port N]

Serves the local Supabase Realtime stand-in on 127.0.0.1:<port> (default API_PORT or 54321):
  ws://127.0.0.1:<port>/realtime/v1/websocket   what supabase-js connects to (vsn 1.0.0 and 2.0.0)
  POST /realtime/v1/api/broadcast               REST broadcast, answers 202
Changes come from logical replication on the supabase_realtime publication of DATABASE_URL (default
the local cluster: run npm run db:up first). Tokens are checked against the local JWT secret.`;

const { values } = parseCli(USAGE, { port: { type: 'string' } });

runMain(async () => {
  const port = values.port === undefined ? stackPorts().api : readPort(values.port);
  const databaseUrl = process.env.DATABASE_URL || localDatabaseUrl(stackPorts());
  const { jwtSecret } = await ensureLocalKeys();
  let realtime: RealtimeServer | undefined;
  const log = (line: string) => console.log(line);
  const gateway = await startGateway({
    port, portVariable: PORT_VARIABLES.api, functionPort: () => undefined, functionNames: () => [], log,
    health: () => ({ realtime: realtime?.stats() ?? 'starting' }),
  });
  realtime = await startRealtime({ gateway, databaseUrl, jwtSecret, log }).catch(async (error: unknown) => {
    await gateway.close();
    if (error instanceof LocalStackError) throw error;
    throw new LocalStackError('REALTIME_DATABASE_UNAVAILABLE', `could not stream changes from ${redact(databaseUrl)}: ${(error as Error).message}; start it with npm run db:up or set DATABASE_URL`);
  });
  console.log(`realtime: listening on ${gateway.url.replace('http', 'ws')}/realtime/v1/websocket (changes from ${redact(databaseUrl)})`);
  const signal = await untilStopSignal();
  console.error(`realtime: ${signal}, closing`);
  await realtime.stop();
  await gateway.close();
});

function readPort(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65_535) {
    console.error(`--port "${text}" is not valid\n\n${USAGE}`);
    process.exit(2);
  }
  return port;
}
