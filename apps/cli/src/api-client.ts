import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';

/** Where the CLI keeps `{ api, token }` (`yingji login`); YINGJI_API_URL and YINGJI_TOKEN win. */
export function cliConfigFile(): string {
  return process.env.YINGJI_CLI_CONFIG || path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'yingji', 'config.json');
}

export function readCliConfig(): { api?: string; token?: string } {
  try {
    return JSON.parse(fs.readFileSync(cliConfigFile(), 'utf8'));
  } catch {
    return {};
  }
}

export function writeCliConfig(cfg: { api?: string; token?: string }): string {
  const file = cliConfigFile();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  return file;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * fetch, except that an https:// API whose certificate a private CA signed is trusted through
 * YINGJI_CA_FILE (a PEM file, added to the system's CAs). NODE_EXTRA_CA_CERTS works too, for every
 * connection of the process.
 */
async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
  const caFile = (process.env.YINGJI_CA_FILE ?? '').trim();
  if (!caFile || !url.startsWith('https:')) return fetch(url, init);
  let ca: string;
  try {
    ca = fs.readFileSync(caFile, 'utf8');
  } catch (e) {
    throw new Error(`YINGJI_CA_FILE: cannot read ${caFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', headers: init.headers, ca: [...tls.rootCertificates, ca] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 0;
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers }));
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A small client of the Yingji HTTP API, calling as the person its token names. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  as(token: string): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async healthy(): Promise<boolean> {
    try {
      return (await call(`${this.baseUrl}/health`)).ok;
    } catch {
      return false;
    }
  }

  async health(): Promise<unknown> {
    return (await call(`${this.baseUrl}/health`)).json();
  }

  async publishPlan(text: string): Promise<unknown> {
    return this.send('POST', '/plans', text, 'application/yaml');
  }

  get<T>(p: string): Promise<T> {
    return this.send('GET', p);
  }

  /** A non-JSON resource (a report): its bytes, or the error the API gave. */
  async raw(p: string): Promise<Buffer> {
    const res = await call(`${this.baseUrl}${p}`, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    if (!res.ok) {
      const body = (await res.json().catch(() => undefined)) as { message?: unknown } | undefined;
      throw new ApiError(res.status, `GET ${p} -> ${res.status}: ${String(body?.message ?? res.statusText)}`);
    }
    return Buffer.from(await res.arrayBuffer());
  }

  post<T>(p: string, body: unknown = {}): Promise<T> {
    return this.send('POST', p, JSON.stringify(body), 'application/json');
  }

  private async send<T>(method: string, p: string, body?: string, type?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (type) headers['content-type'] = type;
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await call(`${this.baseUrl}${p}`, { method, headers, body });
    const json = (await res.json().catch(() => undefined)) as T & { message?: unknown };
    if (!res.ok) {
      const msg = Array.isArray(json?.message) ? json.message.join('; ') : String(json?.message ?? res.statusText);
      throw new ApiError(res.status, `${method} ${p} -> ${res.status}: ${msg}`);
    }
    return json;
  }
}
