// GET /api/candles?symbol=&interval=&since=&limit= → { symbol, interval, candles: CandleColumns }.
import { json } from '@sveltejs/kit';
import { encodeCandles, stepOf } from '$lib/candles/candle.ts';
import { readCandles } from '$lib/server/candles.ts';
import { parseCandleQuery } from '$lib/server/candle-query.ts';
import { db } from '$lib/server/db.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ url }) => {
  const query = parseCandleQuery(url.searchParams);
  if (!query.ok) return json(query.error, { status: 400 });
  const { request } = query;
  const candles = await readCandles(db(), request);
  return json(
    { symbol: request.symbol, interval: request.interval, candles: encodeCandles(candles, stepOf(request.interval)) },
    { headers: { 'cache-control': 'no-store' } },
  );
};
