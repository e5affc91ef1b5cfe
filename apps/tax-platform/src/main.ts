// apps/tax-platform: the tax-platform simulator as its own process (tax-platform.md, "The simulator").
import { runUntilSignalled } from '../../shared/run-process';
import { taxPlatformConfig } from './config';
import { startTaxPlatform } from './server';

runUntilSignalled(
  'tax-platform',
  async () => {
    const config = taxPlatformConfig();
    const running = await startTaxPlatform(config);
    return { url: running.url, admin: config.adminToken ? 'needs TAX_PLATFORM_ADMIN_TOKEN' : 'open on loopback', stop: () => running.stop() };
  },
  (r) => `listening on ${r.url} (admin ${r.admin})`,
);
