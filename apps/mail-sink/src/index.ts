// What other parts of Yingji (the stack, the CLI, tests) use from the mail sink.
export { mailSinkConfig } from './config';
export type { MailSinkConfig } from './config';
export { startMailSink } from './server';
export type { RunningMailSink } from './server';
export { listMail, readMail } from './store';
export type { StoredMail, StoredMailFull } from './store';
