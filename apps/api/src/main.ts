// apps/api: the HTTP API (OpenAPI at /docs), HTTPS when YINGJI_TLS_CERT and YINGJI_TLS_KEY are set.
import { loadConfig } from '../../shared/config';
import { isLoopback } from '../../shared/listen';
import { createApp } from './app';

async function main() {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.apiPort, config.apiHost);
  const scheme = config.apiTls ? 'https' : 'http';
  console.log(`api: listening on ${scheme}://${config.apiHost}:${config.apiPort} (OpenAPI at /docs)`);
  // Tokens cross the network in every request: say so when they would cross it in clear.
  if (!config.apiTls && !isLoopback(config.apiHost)) {
    console.warn(`api: serving plain HTTP on ${config.apiHost}: bearer tokens travel unencrypted; set YINGJI_TLS_CERT and YINGJI_TLS_KEY (PEM files) for HTTPS`);
  }
}

main().catch((err) => {
  console.error('api failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
