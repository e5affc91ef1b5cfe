// The tax platform as Yingji calls it (tax-platform.md): upload with a request serial, upload
// result, list by taxpayer and period, one invoice by number and date, monthly summary, login;
// and the simulator's admin calls for drills and tests. Every call has a timeout and retries with
// backoff what can pass (no connection, 503, 2116); a 1101 logs in once and repeats the call;
// 6655, 6783 and 1108 are answers and are not retried.
import { TaxPlatformError, transportError } from './errors';
import { DEFAULT_RETRY_POLICY, RetryClock, RetryEvent, RetryPolicy, SYSTEM_CLOCK, retryPolicy, withRetry } from './retry';
import type { FaultSetting, FaultWindow, ListedFault, InvoicePage, MonthlySummary, PlatformCounters, PlatformRecord, UploadAccepted, UploadResult, UploadRow } from './wire';

/** The simulator's tenant header: production's sync sends none, a drill names its own. */
export const TENANT_HEADER = 'x-sim-tenant';
/** One attempt, request to the last byte of the answer. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
/** The real list pages hold at most 50 rows. */
export const PAGE_SIZE = 50;

export interface TaxPlatformClientOptions {
  /** TAX_PLATFORM_URL, e.g. http://127.0.0.1:3100. */
  baseUrl: string;
  /** Credit code (纳税人识别号) of the taxpayer this client uploads and logs in for; absent for the admin calls alone. */
  taxpayer?: string;
  /** The simulator's tenant (a drill's own); production's when absent. */
  tenant?: string;
  /** TAX_PLATFORM_ADMIN_TOKEN, for the /_sim calls only. Kept out of errors, logs and the client object. */
  adminToken?: string;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** Per attempt; default 10 s. */
  timeoutMs?: number;
  /** Told of each retry (call name, failed attempt, wait, error): for logs and heartbeats. */
  onRetry?: (call: string, e: RetryEvent) => void;
  /** Clock, sleep and randomness of the backoff; tests inject their own. */
  clock?: RetryClock;
}

export interface ListQuery {
  /** Default: the client's taxpayer. */
  taxpayer?: string;
  /** yyyy-MM. */
  period: string;
  role?: 'seller' | 'buyer';
  page?: number;
}

export interface TaxPlatformClient {
  readonly baseUrl: string;
  readonly taxpayer: string | undefined;
  readonly tenant: string | undefined;
  readonly retryPolicy: RetryPolicy;
  /** QDFPSC: the batch under a stable request serial; answers the acceptance serial (sllsh). */
  upload(batch: readonly UploadRow[], requestSerial: string): Promise<UploadAccepted>;
  /** CXQDFPSCJG: per invoice `00` or the platform's code; `processing` while some are not done. */
  uploadResult(acceptanceSerial: string): Promise<UploadResult>;
  listInvoices(q: ListQuery): Promise<InvoicePage>;
  /** Every page of a list, in the platform's order. */
  listAll(q: Omit<ListQuery, 'page'>): Promise<PlatformRecord[]>;
  /** One invoice by number and issue date (yyyy-MM-dd, China time); null when the platform has none. */
  getInvoice(fphm: string, kprq: string): Promise<PlatformRecord | null>;
  /** SCFPHZQRXX for the client's taxpayer. */
  monthlySummary(period: string): Promise<MonthlySummary>;
  login(): Promise<{ nsrsbh: string; relogged: boolean }>;
  /** The simulator's admin calls (need adminToken when it has one). */
  readonly sim: {
    setFault(fault: FaultSetting & FaultWindow): Promise<void>;
    clearFaults(kind?: FaultSetting['kind']): Promise<string[]>;
    /** The faults on now, and those that lifted by themselves (`until`: when the platform came back). */
    faults(): Promise<{ faults: ListedFault[]; lifted: Array<ListedFault & { until: string }> }>;
    /** This (drill's) tenant starts over as a copy of production's invoices of these taxpayers, counters at zero. */
    copyTenant(taxpayers: readonly string[]): Promise<{ invoices: number }>;
    /** Everything this (drill's) tenant holds is removed. */
    dropTenant(): Promise<void>;
    stats(): Promise<{ total: PlatformCounters; byTaxpayer: Record<string, PlatformCounters> }>;
    /** Invoices that reached the platform before the simulator existed (not counted as uploads). */
    importHistory(rows: readonly UploadRow[]): Promise<{ imported: number; alreadyThere: number }>;
  };
}

interface Request {
  /** Name in errors and retry events, e.g. 'upload (QDFPSC)'. */
  call: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  admin?: boolean;
  /** On a repeat attempt, turns an error into the answer the first attempt must have had. */
  recover?: (err: TaxPlatformError) => unknown;
}

type Answer = { code?: unknown; message?: unknown; data?: unknown; sllsh?: unknown };

function asText(v: unknown, max = 500): string {
  return typeof v === 'string' ? v.slice(0, max) : '';
}

export function createTaxPlatformClient(opts: TaxPlatformClientOptions): TaxPlatformClient {
  let base: URL;
  try {
    base = new URL(opts.baseUrl);
  } catch {
    throw new Error(`tax platform baseUrl must be an http(s) URL, got ${JSON.stringify(String(opts.baseUrl).slice(0, 200))}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`tax platform baseUrl must be http or https, got ${base.protocol}`);
  if (base.username || base.password) throw new Error('tax platform baseUrl must not carry credentials');
  const baseUrl = base.toString().replace(/\/$/, '');
  const doFetch = opts.fetch ?? fetch;
  const policy = retryPolicy(opts.retry ?? DEFAULT_RETRY_POLICY);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new Error(`tax platform timeoutMs must be a positive number of ms, got ${JSON.stringify(opts.timeoutMs)}`);
  const clock = opts.clock ?? SYSTEM_CLOCK;
  // Held in this closure only: not a property, so it cannot reach a log through the client object.
  const adminToken = opts.adminToken;

  /** One attempt: the answer's data, or a TaxPlatformError. */
  async function send<T>(r: Request): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (r.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.tenant) headers[TENANT_HEADER] = opts.tenant;
    if (r.admin && adminToken) headers.authorization = `Bearer ${adminToken}`;
    let status: number;
    let text: string;
    try {
      const res = await doFetch(`${baseUrl}${r.path}`, {
        method: r.method,
        headers,
        body: r.body === undefined ? undefined : JSON.stringify(r.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw transportError(err, r.call, timeoutMs);
    }
    let answer: Answer | undefined;
    try {
      answer = JSON.parse(text) as Answer;
    } catch {
      answer = undefined;
    }
    // An outage answers 503 (with or without a body): a transport failure, whatever the body says.
    if (status === 503 || !answer || typeof answer !== 'object' || typeof answer.code !== 'string') {
      throw new TaxPlatformError({ code: `http-${status}`, httpStatus: status, message: `${r.call}: HTTP ${status}${status === 503 ? ' (the platform is down)' : ' without a platform answer'}` });
    }
    if (answer.code !== '00') {
      throw new TaxPlatformError({
        code: answer.code,
        httpStatus: status,
        message: `${r.call}: ${answer.code} ${asText(answer.message)}`.trim(),
        ...(typeof answer.sllsh === 'string' ? { sllsh: answer.sllsh } : {}),
      });
    }
    return answer.data as T;
  }

  const own = (what: string): string => {
    if (!opts.taxpayer) throw new Error(`${what} needs the client's taxpayer: this client was made for the simulator's admin calls only`);
    return opts.taxpayer;
  };
  const loginRequest = (): Request => ({ call: 'login', method: 'POST', path: '/api/login', body: { nsrsbh: own('login') } });

  /** A call with retries; a 1101 is answered by logging in once and repeating the call. */
  function call<T>(r: Request): Promise<T> {
    let relogged = false;
    const once = async (n: number): Promise<T> => {
      try {
        return await send<T>(r);
      } catch (err) {
        if (n > 1 && r.recover && err instanceof TaxPlatformError) {
          const recovered = r.recover(err);
          if (recovered !== undefined) return recovered as T;
        }
        throw err;
      }
    };
    return withRetry(
      async (n) => {
        try {
          return await once(n);
        } catch (err) {
          if (!(err instanceof TaxPlatformError) || err.code !== '1101' || relogged || r.admin) throw err;
          await send(loginRequest());
          relogged = true;
          return await once(n);
        }
      },
      policy,
      clock,
      opts.onRetry ? (e) => opts.onRetry?.(r.call, e) : undefined,
    );
  }

  const q = (params: Record<string, string | number | undefined>) =>
    new URLSearchParams(Object.entries(params).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]]))).toString();

  const client: TaxPlatformClient = {
    baseUrl,
    taxpayer: opts.taxpayer,
    tenant: opts.tenant,
    retryPolicy: policy,
    upload: (batch, requestSerial) =>
      call({
        call: 'upload (QDFPSC)',
        method: 'POST',
        path: '/api/QDFPSC',
        body: { fpqqlsh: requestSerial, nsrsbh: own('upload'), invoices: batch },
        // A retry refused with 6655 means an earlier attempt of this same call got through (its
        // answer was lost to a timeout): that acceptance is this call's answer, not an error.
        recover: (err): UploadAccepted | undefined =>
          err.code === '6655' && err.sllsh ? { sllsh: err.sllsh, fpqqlsh: requestSerial, rows: batch.length } : undefined,
      }),
    uploadResult: (sllsh) => call({ call: 'upload result (CXQDFPSCJG)', method: 'POST', path: '/api/CXQDFPSCJG', body: { sllsh } }),
    listInvoices: (l) =>
      call({ call: 'list invoices', method: 'GET', path: `/api/invoices?${q({ nsrsbh: l.taxpayer ?? own('list invoices'), period: l.period, role: l.role, page: l.page, size: PAGE_SIZE })}` }),
    async listAll(l) {
      const out: PlatformRecord[] = [];
      for (let page = 1; ; page++) {
        const p = await client.listInvoices({ ...l, page });
        out.push(...p.invoices);
        if (page >= p.pages) return out;
      }
    },
    async getInvoice(fphm, kprq) {
      try {
        return await call<PlatformRecord>({ call: 'one invoice', method: 'GET', path: `/api/invoices/${encodeURIComponent(fphm)}?${q({ kprq })}` });
      } catch (err) {
        if (err instanceof TaxPlatformError && err.code === 'not-found') return null;
        throw err;
      }
    },
    monthlySummary: (period) => call({ call: 'monthly summary (SCFPHZQRXX)', method: 'GET', path: `/api/SCFPHZQRXX?${q({ nsrsbh: own('monthly summary'), period })}` }),
    login: () => call(loginRequest()),
    sim: {
      setFault: async (fault) => {
        await call({ call: 'set fault', method: 'POST', path: '/_sim/faults', body: fault, admin: true });
      },
      clearFaults: async (kind) =>
        (await call<{ cleared: string[] }>({ call: 'clear faults', method: 'DELETE', path: `/_sim/faults${kind ? `?${q({ kind })}` : ''}`, admin: true })).cleared,
      stats: () => call({ call: 'stats', method: 'GET', path: '/_sim/stats', admin: true }),
      faults: () => call({ call: 'list faults', method: 'GET', path: '/_sim/faults', admin: true }),
      copyTenant: (taxpayers) => call({ call: 'copy tenant', method: 'POST', path: '/_sim/tenant/copy', body: { taxpayers }, admin: true }),
      dropTenant: async () => {
        await call({ call: 'drop tenant', method: 'DELETE', path: '/_sim/tenant', admin: true });
      },
      importHistory: (rows) => call({ call: 'history import', method: 'POST', path: '/_sim/history', body: { invoices: rows }, admin: true }),
    },
  };
  return client;
}
