import { Pool, PoolConfig } from 'pg';

/**
 * A pg Pool that outlives its server dropping a connection (a restart, a failover, a backend
 * terminated, DROP DATABASE … WITH (FORCE)): pg re-emits an idle connection's error on the pool, and
 * an 'error' nobody listens to ends the process. Here it is reported, and the next query connects anew.
 */
export function resilientPool(config: PoolConfig, what: string, warn: (message: string) => void = (m) => console.warn(m)): Pool {
  const pool = new Pool(config);
  pool.on('error', (err) => warn(`an idle connection to ${what} was lost (${err.message}); the next query opens a new one`));
  return pool;
}
