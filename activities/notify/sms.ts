// SMS adapter: one templated text message per mobile number through an Aliyun-style SendSms
// gateway (YINGJI_SMS_URL, default Aliyun's dysmsapi), each with a stable OutId so a retried send
// is recognisable as the same message. Who gets it: each recipient's `sms` contact from the team
// directory when it is a mobile number, plus the plan's role numbers (`notify.channels.sms.to`).
import { ApplicationFailure } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { SmsConfig, smsConfigFrom } from '../../apps/shared/config';
import { isMobile } from '../../domain/responsibility/directory';
import { ChannelUnavailableError, destinations, NotificationChannel, OutgoingNotification } from './channel';
import { createAliyunGateway } from './sms/aliyun';
import { SmsGateway, SmsRefusedError } from './sms/gateway';

/**
 * The most characters the template variable carries. Aliyun caps a template variable's value at
 * 35 characters, so a longer notice is cut to 34 and ends with "…"; the drill mark is at the front,
 * so it always stays. The details are in the other channels (email, chat) and on the timeline.
 */
export const SMS_CONTENT_MAX = 35;
/** The template's one variable: the template reads e.g. `应急通知：${content}`. */
export const SMS_TEMPLATE_VARIABLE = 'content';

export interface SmsChannelOptions {
  /** Fixed settings (tests); default: read from the environment on each delivery. */
  sms?: SmsConfig;
  /** Another provider than Aliyun's SendSms (made from the settings). */
  gateway?: (config: SmsConfig) => SmsGateway;
}

/** The notice shortened to what one template variable may hold (counted in characters, not bytes). */
export function smsContent(message: string): string {
  const chars = Array.from(message.replace(/\s+/g, ' ').trim());
  return chars.length <= SMS_CONTENT_MAX ? chars.join('') : `${chars.slice(0, SMS_CONTENT_MAX - 1).join('')}…`;
}

/** A number as SendSms takes it: national digits for China, country code + number (no "+") otherwise. */
export function smsNumber(value: string): string | undefined {
  if (!isMobile(value)) return undefined;
  const n = parsePhoneNumberFromString(value, 'CN')!;
  return n.countryCallingCode === '86' ? String(n.nationalNumber) : `${n.countryCallingCode}${n.nationalNumber}`;
}

/** The same for every retry of one notice to one number (Aliyun's OutId is free text; 32 hex characters). */
export function outIdFor(notificationId: string, number: string): string {
  return createHash('sha256').update(`${notificationId}\n${number}`).digest('hex').slice(0, 32);
}

/** Where the notice goes: directory mobiles of the recipients, then the plan's role numbers; each once. */
export function smsNumbers(n: OutgoingNotification, config: Record<string, unknown>): { to: string[]; missing: string[] } {
  const { to, missing, unusable } = destinations(n, config, smsNumber);
  return { to, missing: [...missing, ...unusable.map((u) => `${u.role} (${u.address} is not a mobile number)`)] };
}

export function createSmsChannel(opts: SmsChannelOptions = {}): NotificationChannel {
  return {
    name: 'sms',
    async deliver(n, config) {
      let sms: SmsConfig | { missing: string[] };
      try {
        sms = opts.sms ?? smsConfigFrom(process.env);
      } catch (err) {
        throw new ChannelUnavailableError((err as Error).message);
      }
      if ('missing' in sms) throw new ChannelUnavailableError(`no SMS gateway configured (${sms.missing.join(', ')} not set)`);
      const { to, missing } = smsNumbers(n, config);
      if (to.length === 0) {
        const who = missing.length ? `; no mobile number for ${missing.join(', ')}` : '';
        throw new ChannelUnavailableError(`no mobile number to send to (notify.channels.sms.to names none of ${n.audience.join(', ') || 'the audience'}${who})`);
      }
      const gateway = (opts.gateway ?? createAliyunGateway)(sms);
      const templateParam = { [SMS_TEMPLATE_VARIABLE]: smsContent(n.message) };
      const accepted: string[] = [];
      const refused: string[] = [];
      for (const number of to) {
        try {
          const r = await gateway.send({ phoneNumbers: [number], signName: sms.signName, templateCode: sms.templateCode, templateParam, outId: outIdFor(n.id, number) });
          accepted.push(`${number} (BizId ${r.bizId})`);
        } catch (err) {
          if (!(err instanceof SmsRefusedError)) throw err; // not reached or busy: worth a retry
          // One number refused: the others still get theirs. Any other refusal (key, signature, template) stops the notice.
          if (err.code.startsWith('isv.MOBILE')) refused.push(`${number} (${err.message})`);
          else throw ApplicationFailure.nonRetryable(err.message, 'SmsRefused');
        }
      }
      if (accepted.length === 0) throw ApplicationFailure.nonRetryable(`SMS gateway ${gateway.where} refused every number: ${refused.join('; ')}`, 'SmsRefused');
      const notes = [refused.length ? `refused ${refused.join('; ')}` : '', missing.length ? `no mobile number for ${missing.join(', ')}` : ''].filter(Boolean);
      return { detail: `accepted by SMS gateway ${gateway.where} for ${accepted.join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}` };
    },
  };
}
