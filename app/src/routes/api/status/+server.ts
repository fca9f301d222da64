// GET /api/status?symbol= → the symbol's freshest stream_status facts (source, last event), or null.
import { json } from '@sveltejs/kit';
import { readFeedStatus } from '$lib/server/candles.ts';
import { db } from '$lib/server/db.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ url }) => {
  const symbol = url.searchParams.get('symbol') ?? '';
  if (!/^[A-Z0-9]{2,20}$/.test(symbol)) {
    return json({ code: 'INVALID_SYMBOL', message: `symbol must be 2 to 20 capital letters or digits, got "${symbol}"` }, { status: 400 });
  }
  return json(await readFeedStatus(db(), symbol), { headers: { 'cache-control': 'no-store' } });
};
