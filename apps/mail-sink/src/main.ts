// apps/mail-sink: the embedded stack's SMTP server as its own process (email that stays on this machine).
import { runUntilSignalled } from '../../shared/run-process';
import { mailSinkConfig } from './config';
import { startMailSink } from './server';

runUntilSignalled('mail-sink', () => startMailSink(mailSinkConfig()), (r) => `listening on ${r.url}, keeping messages in ${r.dir}`);
