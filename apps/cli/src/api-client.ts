import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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
      return (await fetch(`${this.baseUrl}/health`)).ok;
    } catch {
      return false;
    }
  }

  async health(): Promise<unknown> {
    return (await fetch(`${this.baseUrl}/health`)).json();
  }

  async publishPlan(text: string): Promise<unknown> {
    return this.send('POST', '/plans', text, 'application/yaml');
  }

  get<T>(p: string): Promise<T> {
    return this.send('GET', p);
  }

  /** A non-JSON resource (a report): its bytes, or the error the API gave. */
  async raw(p: string): Promise<Buffer> {
    const res = await fetch(`${this.baseUrl}${p}`, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
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
    const res = await fetch(`${this.baseUrl}${p}`, { method, headers, body });
    const json = (await res.json().catch(() => undefined)) as T & { message?: unknown };
    if (!res.ok) {
      const msg = Array.isArray(json?.message) ? json.message.join('; ') : String(json?.message ?? res.statusText);
      throw new ApiError(res.status, `${method} ${p} -> ${res.status}: ${msg}`);
    }
    return json;
  }
}
