// apps/api: the HTTP API (OpenAPI at /docs).
import { loadConfig } from '../../shared/config';
import { createApp } from './app';

async function main() {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.apiPort, config.apiHost);
  console.log(`api: listening on http://${config.apiHost}:${config.apiPort} (OpenAPI at /docs)`);
}

main().catch((err) => {
  console.error('api failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
