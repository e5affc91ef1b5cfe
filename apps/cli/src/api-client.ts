/** A small client of the Yingji HTTP API for the CLI. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/health`);
      return res.ok;
    } catch {
      return false;
    }
  }

  async health(): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}/health`);
    return res.json();
  }

  async publishPlan(text: string): Promise<{ status: number; message?: string }> {
    const res = await fetch(`${this.baseUrl}/plans`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: text });
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    return { status: res.status, message: body.message };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => undefined)) as T & { message?: unknown };
    if (!res.ok) {
      const msg = Array.isArray(json?.message) ? json.message.join('; ') : String(json?.message ?? res.statusText);
      throw new Error(`${method} ${path} -> ${res.status}: ${msg}`);
    }
    return json;
  }
}
