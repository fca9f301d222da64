// `/` is BTCUSDT, `/<SYMBOL>` any symbol; `?interval=` picks 1m (default), 5m, 15m or 1h.
import { redirect } from '@sveltejs/kit';
import { isInterval } from '$lib/candles/candle.ts';
import { db } from '$lib/server/db.ts';
import { DEFAULT_SYMBOL, loadDashboard } from '$lib/server/dashboard.ts';
import type { PageServerLoad } from './$types';

export const load = (async ({ params, url }) => {
  const symbol = params.symbol ?? DEFAULT_SYMBOL;
  if (symbol !== symbol.toUpperCase()) redirect(308, `/${symbol.toUpperCase()}${url.search}`);
  const requested = url.searchParams.get('interval') ?? '1m';
  return loadDashboard(db(), symbol, isInterval(requested) ? requested : '1m');
}) satisfies PageServerLoad;
