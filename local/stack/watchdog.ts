// The first invocation of the exchange-stream function, made by npm start so data flows at once
// (each invocation hands off to the next at the end of its budget; pg_cron's watchdog revives the
// stream if that chain breaks). Asked to stream in the background, the function answers at once.
import type { ServiceLog } from '../service-log.ts';

/** POSTs to the function; says what happened in a few words, and logs the final answer when it comes. */
export async function invokeStream(functionUrl: string, serviceRoleKey: string, log: ServiceLog, waitMs = 3_000): Promise<string> {
  log.write(`invoking ${functionUrl}`);
  const answer = fetch(functionUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${serviceRoleKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ trigger: 'npm start', background: true }),
  }).then(
    async (response) => ({ status: response.status, body: await response.text().catch((error: Error) => error.message) }),
    (error: Error) => ({ status: 0, body: error.message }),
  );
  void answer.then((result) => log.write(`answer ${result.status}: ${result.body}`));
  const quick = await Promise.race([answer, new Promise<undefined>((resolve) => setTimeout(resolve, waitMs))]);
  if (quick === undefined) return 'invoked once now (streaming)';
  if (quick.status === 202) return 'invoked once now (streaming)';
  if (quick.status === 200 && quick.body.includes('"already-running"')) return 'a stream is already running (it holds the lease)';
  if (quick.status >= 200 && quick.status < 300) return `invoked once now; it answered ${quick.body}`;
  return `invoking it failed (${quick.status || 'no answer'}: ${quick.body}); the watchdog retries every minute`;
}
