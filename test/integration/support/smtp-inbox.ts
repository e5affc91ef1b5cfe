// A real SMTP server for tests (smtp-server in-process on 127.0.0.1, messages read back with
// mailparser): `unknown@` mailboxes are refused (550); with `login`, only that user/password gets
// in (535 otherwise); `beforeAccept` may hold a message back before the server's 250.
import { ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';

export interface SmtpOptions {
  tls?: { key: string; cert: string };
  login?: { user: string; pass: string };
  /** Called with each message before it is accepted (and how many were accepted before it); false refuses it (451). */
  beforeAccept?: (mail: ParsedMail, accepted: number) => Promise<boolean>;
}

export interface Inbox {
  url: string;
  received: Array<{ mail: ParsedMail; rcpt: string[]; secure: boolean; user?: string }>;
  /** SMTP connections opened so far. */
  connections: () => number;
  close(): Promise<void>;
}

/** A real SMTP server: `unknown@` mailboxes are refused (550); with `login`, only that user/password gets in. */
export async function startSmtp(opts: SmtpOptions = {}): Promise<Inbox> {
  const received: Inbox['received'] = [];
  let connections = 0;
  const options: SMTPServerOptions = {
    onConnect(_session, cb) {
      connections += 1;
      cb();
    },
    logger: false,
    disabledCommands: opts.login ? [] : ['AUTH'],
    authOptional: !opts.login,
    allowInsecureAuth: true,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { hideSTARTTLS: true }),
    onAuth(auth, _session, cb) {
      if (auth.username === opts.login?.user && auth.password === opts.login?.pass) return cb(null, { user: auth.username });
      const err = new Error('Authentication credentials invalid') as Error & { responseCode: number };
      err.responseCode = 535;
      cb(err);
    },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('unknown@')) {
        const err = new Error('No such mailbox here') as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        async (mail) => {
          // A message is received once the server says 250; one the test holds back never was.
          if (opts.beforeAccept && !(await opts.beforeAccept(mail, received.length))) {
            const err = new Error('Try again later') as Error & { responseCode: number };
            err.responseCode = 451;
            return cb(err);
          }
          received.push({ mail, rcpt: session.envelope.rcptTo.map((r) => r.address), secure: session.secure, user: session.user as string | undefined });
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => undefined); // a client dropping its TLS handshake is not the test's failure
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const auth = opts.login ? `${opts.login.user}:${encodeURIComponent(opts.login.pass)}@` : '';
  return { url: `smtp://${auth}127.0.0.1:${port}`, received, connections: () => connections, close: () => new Promise((r) => server.close(() => r())) };
}

