// apps/sms-gateway: the embedded stack's SMS gateway as its own process (text messages that stay on this machine).
import { runUntilSignalled } from '../../shared/run-process';
import { smsGatewayConfig } from './config';
import { startSmsGateway } from './server';

// The key secret is never printed.
runUntilSignalled('sms-gateway', () => startSmsGateway(smsGatewayConfig()), (r) => `listening on ${r.url}, keeping messages in ${r.dir}`);
