// apps/tax-platform: the tax-platform simulator as its own process (tax-platform.md, "The simulator").
import { taxPlatformConfig } from './config';
import { startTaxPlatform } from './server';

async function main() {
  const config = taxPlatformConfig();
  const running = await startTaxPlatform(config);
  console.log(`tax-platform: listening on ${running.url} (admin ${config.adminToken ? 'needs TAX_PLATFORM_ADMIN_TOKEN' : 'open on loopback'})`);
  const stop = () => running.stop().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error('tax-platform failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
