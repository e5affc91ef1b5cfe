// The simulator's settings, from the environment. Defaults fit the embedded stack: the same
// PostgreSQL server as Yingji (YINGJI_PG_PORT), its own database, loopback only.

export interface TaxPlatformConfig {
  databaseUrl: string;
  host: string;
  port: number;
  /** Bearer secret for /_sim/*; may be unset only when the simulator listens on loopback. */
  adminToken?: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  return n;
}

export function taxPlatformConfig(env: NodeJS.ProcessEnv = process.env): TaxPlatformConfig {
  const pgPort = port(env, 'YINGJI_PG_PORT', 55432);
  return {
    databaseUrl: env.TAX_PLATFORM_DATABASE_URL || `postgres://postgres@127.0.0.1:${pgPort}/yingji_tax_platform`,
    host: env.TAX_PLATFORM_HOST || '127.0.0.1',
    port: port(env, 'TAX_PLATFORM_PORT', 3100),
    adminToken: env.TAX_PLATFORM_ADMIN_TOKEN || undefined,
  };
}

/** Loopback addresses: only processes on this machine can reach them. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
