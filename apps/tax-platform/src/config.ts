// The simulator's settings, from the environment. Defaults fit the embedded stack: the same
// PostgreSQL server as Yingji (YINGJI_PG_PORT), its own database, loopback only.

import { portFrom } from '../../shared/listen';

export interface TaxPlatformConfig {
  databaseUrl: string;
  host: string;
  port: number;
  /** Bearer secret for /_sim/*; may be unset only when the simulator listens on loopback. */
  adminToken?: string;
}

export function taxPlatformConfig(env: NodeJS.ProcessEnv = process.env): TaxPlatformConfig {
  const pgPort = portFrom(env, 'YINGJI_PG_PORT', 55432);
  return {
    databaseUrl: env.TAX_PLATFORM_DATABASE_URL || `postgres://postgres@127.0.0.1:${pgPort}/yingji_tax_platform`,
    host: env.TAX_PLATFORM_HOST || '127.0.0.1',
    port: portFrom(env, 'TAX_PLATFORM_PORT', 3100),
    adminToken: env.TAX_PLATFORM_ADMIN_TOKEN || undefined,
  };
}
