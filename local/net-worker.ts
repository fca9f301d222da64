// The local stand-in for pg_net's background worker: sends the HTTP requests queued in
// net.http_request_queue and records each outcome in net._http_response, as pg_net does.
import postgres from 'postgres';
import { redact } from './database.ts';
import { LocalStackError } from './errors.ts';

export interface NetWorkerOptions {
  databaseUrl: string;
  log?: (line: string) => void;
  /** How often to look at the queue when no notification came (pg_net itself only polls). */
  pollIntervalMs?: number;
  /** Requests in flight at most. */
  concurrency?: number;
}

export interface NetWorker {
  /** Stops claiming, waits for in-flight requests (each bounded by its timeout), closes connections. */
  stop(): Promise<void>;
}

/** A row of net.http_request_queue, validated. */
export interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
  timeoutMs: number;
}

/** What pg_net stores in net._http_response for one request. */
export interface HttpOutcome {
  statusCode: number | null;
  contentType: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timedOut: boolean;
  errorMsg: string | null;
}

const CHANNEL = 'net_http_request';

/**
 * Starts draining net.http_request_queue: on every `net_http_request` notification (sent at commit by
 * net.http_post / net.http_get) and every pollIntervalMs. Resolves once it listens.
 */
export async function startNetWorker(options: NetWorkerOptions): Promise<NetWorker> {
  const worker = new QueueDrainer(options);
  await worker.start();
  return { stop: () => worker.stop() };
}

/** Sends one request with fetch and describes the outcome as pg_net would store it. Never throws. */
export async function sendRequest(request: QueuedRequest): Promise<HttpOutcome> {
  const url = URL.canParse(request.url) ? new URL(request.url) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return failure(`invalid URL "${request.url}": only absolute http and https URLs can be requested`);
  }
  // curl treats a timeout of 0 as none, and pg_net passes timeout_milliseconds to curl.
  const signal = request.timeoutMs > 0 ? AbortSignal.timeout(request.timeoutMs) : undefined;
  try {
    const response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      // fetch refuses a body on GET; pg_net's http_get never queues one.
      body: request.method === 'GET' || request.body === null ? undefined : request.body,
      // curl, and so pg_net, does not follow redirects: store the 3xx itself.
      redirect: 'manual',
      signal,
    });
    const content = await response.text();
    return {
      statusCode: response.status,
      contentType: response.headers.get('content-type'),
      headers: Object.fromEntries(response.headers),
      content,
      timedOut: false,
      errorMsg: null,
    };
  } catch (error) {
    if (!signal?.aborted) return failure(describeFetchError(error, request, url));
    const timeout = failure(`timeout of ${request.timeoutMs} ms reached waiting for ${request.method} ${request.url}`);
    return { ...timeout, timedOut: true };
  }
}

/** The queue loop: claims rows while it has free slots, runs them, and stores what happened. */
class QueueDrainer {
  private readonly sql: postgres.Sql;
  private readonly log: (line: string) => void;
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private claimFailing = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listener: postgres.ListenMeta | undefined;

  constructor(private readonly options: NetWorkerOptions) {
    this.log = options.log ?? ((line) => console.log(line));
    this.concurrency = options.concurrency ?? 8;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new LocalStackError('INVALID_CONCURRENCY', `net worker concurrency ${this.concurrency} is not a whole number of at least 1`);
    }
    // Connections: claims and responses share the pool; LISTEN gets its own from postgres.js.
    this.sql = postgres(options.databaseUrl, { max: Math.min(this.concurrency, 4), onnotice: () => {} });
  }

  async start(): Promise<void> {
    try {
      // onlisten runs on every (re)connect: a drain then catches what was queued meanwhile.
      this.listener = await this.sql.listen(CHANNEL, () => this.requestDrain(), () => this.requestDrain());
    } catch (error) {
      await this.sql.end({ timeout: 0 });
      throw new LocalStackError('DATABASE_UNREACHABLE',
        `net worker cannot listen on ${redact(this.options.databaseUrl)}: ${(error as Error).message}`);
    }
    this.timer = setInterval(() => this.requestDrain(), this.pollIntervalMs);
    this.log(`net worker: sending queued requests (up to ${this.concurrency} at once)`);
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listener?.unlisten().catch(() => undefined);
    await this.draining;
    await Promise.all(this.inFlight);
    await this.sql.end({ timeout: 5 });
  }

  /** Starts a drain, or asks the running one to go round again: claims never overlap within a worker. */
  private requestDrain(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.drainAgain) {
        this.drainAgain = false;
        this.requestDrain();
      }
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0) return;
      const requests = await this.claim(free);
      for (const request of requests) this.dispatch(request);
      if (requests.length < free) return;
    }
  }

  /** Takes up to n requests off the queue; rows another worker holds are skipped, never sent twice. */
  private async claim(n: number): Promise<QueuedRequest[]> {
    try {
      const rows = await this.sql`
        delete from net.http_request_queue
        where id in (select id from net.http_request_queue order by id limit ${n} for update skip locked)
        returning id, method, url, headers, body, timeout_milliseconds`;
      if (this.claimFailing) this.log('net worker: the queue is reachable again');
      this.claimFailing = false;
      return rows.map(toQueuedRequest).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    } catch (error) {
      // Logged once per outage: the poll retries every interval.
      if (!this.claimFailing) this.log(`net worker: cannot read net.http_request_queue: ${(error as Error).message}`);
      this.claimFailing = true;
      return [];
    }
  }

  private dispatch(request: QueuedRequest): void {
    const task: Promise<void> = sendRequest(request)
      .then((outcome) => this.store(request, outcome))
      .catch((error: unknown) => this.log(`net worker: request ${request.id}: ${(error as Error).message}`))
      .finally(() => {
        this.inFlight.delete(task);
        this.requestDrain();
      });
    this.inFlight.add(task);
  }

  private async store(request: QueuedRequest, outcome: HttpOutcome): Promise<void> {
    if (outcome.errorMsg) this.log(`net worker: request ${request.id} ${request.method} ${request.url}: ${outcome.errorMsg}`);
    // text cannot hold NUL; pg_net's content column is text too. Headers go as text and are cast in
    // SQL: a string bound to a jsonb parameter would be stored as a JSON string.
    const content = outcome.content?.replaceAll('\u0000', '') ?? null;
    await this.sql`
      insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
      values (${request.id}, ${outcome.statusCode}, ${outcome.contentType},
              ${outcome.headers === null ? null : JSON.stringify(outcome.headers)}::text::jsonb,
              ${content}, ${outcome.timedOut}, ${outcome.errorMsg})`;
  }
}

/** Validates a claimed row; the table's types make most of this certain, headers are any jsonb. */
function toQueuedRequest(row: postgres.Row): QueuedRequest {
  return {
    id: String(row.id),
    method: String(row.method).toUpperCase(),
    url: String(row.url),
    headers: toHeaders(row.headers),
    // A copy: the driver's Buffer may view a shared pool, and fetch wants its own bytes.
    body: row.body instanceof Uint8Array ? Uint8Array.from(row.body) : null,
    timeoutMs: Number(row.timeout_milliseconds),
  };
}

/** pg_net reads headers with jsonb_each_text: non-string values are sent as their JSON text. */
function toHeaders(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function failure(errorMsg: string): HttpOutcome {
  return { statusCode: null, contentType: null, headers: null, content: null, timedOut: false, errorMsg };
}

/** A sentence for a failed fetch, naming the host or URL; undici hides the reason in `cause`. */
function describeFetchError(error: unknown, request: QueuedRequest, url: URL): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = cause && 'code' in cause ? String(cause.code) : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${url.host} for ${request.method} ${request.url}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `could not resolve host "${url.hostname}" for ${request.method} ${request.url}`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection to ${url.host} closed before a complete response to ${request.method} ${request.url}`;
    default: {
      if (cause?.message === 'bad port') return `port ${url.port} is on fetch's list of ports it never connects to, for ${request.method} ${request.url}`;
      const reason = cause?.message ?? (error instanceof Error ? error.message : String(error));
      return `${request.method} ${request.url} failed: ${reason}`;
    }
  }
}
