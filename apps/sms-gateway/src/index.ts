// What other parts of Yingji (the stack, the CLI, tests) use from the local SMS gateway.
export { DEFAULT_SMS_APP_ID, DEFAULT_SMS_TEMPLATE_CODE, smsGatewayConfig } from './config';
export type { SmsGatewayConfig } from './config';
export { startSmsGateway } from './server';
export type { RunningSmsGateway } from './server';
export { listSms, smsFile } from './store';
export type { StoredSms } from './store';
