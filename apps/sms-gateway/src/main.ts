// apps/sms-gateway: the embedded stack's SMS gateway as its own process (text messages that stay on this machine).
import { smsGatewayConfig } from './config';
import { startSmsGateway } from './server';

async function main() {
  const running = await startSmsGateway(smsGatewayConfig());
  // The key secret is never printed.
  console.log(`sms-gateway: listening on ${running.url}, keeping messages in ${running.dir}`);
  const stop = () => running.stop().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error('sms-gateway failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
