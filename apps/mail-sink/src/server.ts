// A real SMTP server for the embedded stack: takes every message on loopback and keeps it as a
// .eml (store.ts). Any login is accepted (it is a catcher, not a relay: nothing is sent on).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { MailSinkConfig } from './config';
import { storeMail } from './store';

export interface RunningMailSink {
  /** `smtp://127.0.0.1:<port>`, for YINGJI_SMTP_URL. */
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** Messages above this are refused (552) instead of filling the disk. */
const MAX_BYTES = 10 * 1024 * 1024;

export async function startMailSink(config: MailSinkConfig): Promise<RunningMailSink> {
  const server = new SMTPServer({
    logger: false,
    banner: 'Yingji mail sink: messages are kept, never sent on',
    size: MAX_BYTES,
    authOptional: true,
    allowInsecureAuth: true,
    // Loopback only and plain: no certificate to trust.
    hideSTARTTLS: true,
    onAuth(auth, _session, cb) {
      cb(null, { user: auth.username });
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          const err = new Error(`message is larger than ${MAX_BYTES} bytes`) as Error & { responseCode: number };
          err.responseCode = 552;
          return cb(err);
        }
        try {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined;
          storeMail(config.dir, Buffer.concat(chunks), { from, to: session.envelope.rcptTo.map((r) => r.address) });
          cb();
        } catch (err) {
          const e = new Error(`could not keep the message: ${(err as Error).message}`) as Error & { responseCode: number };
          e.responseCode = 451;
          cb(e);
        }
      });
    },
  });
  server.on('error', (err) => console.error(`mail-sink: ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `smtp://${host}:${port}`, port, dir: config.dir, stop: () => new Promise((r) => server.close(() => r())) };
}
