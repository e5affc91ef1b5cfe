// apps/mail-sink: the embedded stack's SMTP server as its own process (email that stays on this machine).
import { mailSinkConfig } from './config';
import { startMailSink } from './server';

async function main() {
  const running = await startMailSink(mailSinkConfig());
  console.log(`mail-sink: listening on ${running.url}, keeping messages in ${running.dir}`);
  const stop = () => running.stop().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error('mail-sink failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
