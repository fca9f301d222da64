// Binance kline dumps (the CSV files Binance publishes): one candle per line, no header expected
// (a header line is recognised and skipped). Spot dumps from 2025 on use microsecond timestamps,
// older ones milliseconds; detectTimeUnit tells them apart per file.

/** One candle of a dump, times in epoch milliseconds, prices as the exchange's decimal strings. */
export interface DumpCandle {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  closeTime: number;
  quoteVolume: string;
  trades: number;
  takerBuyVolume: string;
  takerBuyQuoteVolume: string;
}

export type TimeUnit = 'ms' | 'us';

export type DumpLine =
  | { kind: 'candle'; candle: DumpCandle }
  | { kind: 'header' }
  | { kind: 'blank' }
  | { kind: 'malformed'; reason: string };

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?$/;
const INTEGER = /^\d{1,19}$/;

/**
 * Epoch values above this are microseconds: 1e14 ms is the year 5138, while any µs timestamp
 * after 1973 exceeds it.
 */
const MICROSECOND_THRESHOLD = 1e14;

/** The unit of a dump's timestamps, judged from the open time of its first candle line. */
export function detectTimeUnit(firstOpenTime: number): TimeUnit {
  return firstOpenTime >= MICROSECOND_THRESHOLD ? 'us' : 'ms';
}

/** Reads the raw open time of a line (for unit detection), or undefined when it has none. */
export function rawOpenTime(line: string): number | undefined {
  const first = line.split(',', 1)[0]?.trim() ?? '';
  return INTEGER.test(first) ? Number(first) : undefined;
}

/** Parses one line of a dump whose timestamps are in `unit`. Never throws. */
export function parseDumpLine(line: string, unit: TimeUnit): DumpLine {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'blank' };
  const f = trimmed.split(',').map((field) => field.trim());
  if (f[0] === 'open_time') return { kind: 'header' };
  if (f.length < 9) return { kind: 'malformed', reason: `expected at least 9 comma-separated fields, got ${f.length}` };
  const [openRaw, open, high, low, close, volume, closeRaw, quoteVolume, tradesRaw, takerBuy, takerBuyQuote] = f as string[];
  if (!INTEGER.test(openRaw!)) return { kind: 'malformed', reason: `open time "${openRaw}" is not an integer` };
  if (!INTEGER.test(closeRaw!)) return { kind: 'malformed', reason: `close time "${closeRaw}" is not an integer` };
  if (!INTEGER.test(tradesRaw!)) return { kind: 'malformed', reason: `trade count "${tradesRaw}" is not an integer` };
  for (const [name, value] of [['open', open], ['high', high], ['low', low], ['close', close], ['volume', volume], ['quote volume', quoteVolume]] as const) {
    if (!DECIMAL.test(value!)) return { kind: 'malformed', reason: `${name} "${value}" is not a decimal number` };
  }
  const divisor = unit === 'us' ? 1000 : 1;
  return {
    kind: 'candle',
    candle: {
      openTime: Math.floor(Number(openRaw) / divisor),
      open: open!, high: high!, low: low!, close: close!, volume: volume!,
      closeTime: Math.floor(Number(closeRaw) / divisor),
      quoteVolume: quoteVolume!,
      trades: Number(tradesRaw),
      takerBuyVolume: takerBuy && DECIMAL.test(takerBuy) ? takerBuy : '0',
      takerBuyQuoteVolume: takerBuyQuote && DECIMAL.test(takerBuyQuote) ? takerBuyQuote : '0',
    },
  };
}
