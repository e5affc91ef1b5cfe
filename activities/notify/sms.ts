// SMS adapter: one templated text message per mobile number through the provider's SendSms
// (YINGJI_SMS_PROVIDER: Aliyun's dysmsapi by default, or Tencent Cloud's; YINGJI_SMS_URL), each with
// a stable OutId so a retried send is recognisable as the same message. Who gets it: each recipient's `sms` contact from the team
// directory when it is a mobile number, plus the plan's role numbers (`notify.channels.sms.to`).
import { ApplicationFailure } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { SmsConfig, smsConfigFrom } from '../../apps/shared/config';
import { isMobile } from '../../domain/responsibility/directory';
import { Acknowledgement, ChannelUnavailableError, deliverEach, DeliveryTarget, destinations, NotificationChannel, OutgoingNotification, RecipientRefusedError } from './channel';
import { createAliyunGateway } from './sms/aliyun';
import { SmsGateway, SmsRefusedError } from './sms/gateway';
import { createTencentGateway, TENCENT_SMS_REGION, tencentRefusesNumber } from './sms/tencent';

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
  /** Another provider than the one the settings name (made from the settings). */
  gateway?: (config: SmsConfig) => SmsGateway;
}

/** The provider the settings name: Aliyun's SendSms unless YINGJI_SMS_PROVIDER=tencent. */
export function gatewayFor(sms: SmsConfig): SmsGateway {
  if (sms.provider !== 'tencent') return createAliyunGateway(sms);
  return createTencentGateway({ url: sms.url, secretId: sms.accessKeyId, secretKey: sms.accessKeySecret, appId: sms.appId ?? '', region: sms.region ?? TENCENT_SMS_REGION });
}

/** A provider's refusal of one number (badly written, unsubscribed): the others still get theirs. */
function refusesNumber(code: string): boolean {
  return code.startsWith('isv.MOBILE') || tencentRefusesNumber(code);
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
export function smsNumbers(n: OutgoingNotification, config: Record<string, unknown>): { to: string[]; targets: DeliveryTarget[]; missing: string[] } {
  const { to, targets, missing, unusable } = destinations(n, config, smsNumber);
  return { to, targets, missing: [...missing, ...unusable.map((u) => `${u.role} (${u.address} is not a mobile number)`)] };
}

/** The text a task notice's SMS carries: the notice, then the code to reply with (it fits the one template variable). */
export function smsText(message: string, ack?: Acknowledgement): string {
  if (!ack) return smsContent(message);
  const reply = ` 回复${ack.code}确认`;
  const room = SMS_CONTENT_MAX - Array.from(reply).length;
  const chars = Array.from(message.replace(/\s+/g, ' ').trim());
  return `${chars.length <= room ? chars.join('') : `${chars.slice(0, room - 1).join('')}…`}${reply}`;
}

export function createSmsChannel(opts: SmsChannelOptions = {}): NotificationChannel {
  const settings = (): SmsConfig => {
    let sms: SmsConfig | { missing: string[] };
    try {
      sms = opts.sms ?? smsConfigFrom(process.env);
    } catch (err) {
      throw new ChannelUnavailableError((err as Error).message);
    }
    if ('missing' in sms) throw new ChannelUnavailableError(`no SMS gateway configured (${sms.missing.join(', ')} not set)`);
    return sms;
  };
  const channel: NotificationChannel = {
    name: 'sms',
    async deliver(n, config) {
      return deliverEach(channel.open!(n, config), { copy: 'number', lacking: 'mobile number' });
    },
    open(n, config) {
      const sms = settings();
      const { targets, missing } = smsNumbers(n, config);
      if (targets.length === 0) {
        const who = missing.length ? `; no mobile number for ${missing.join(', ')}` : '';
        throw new ChannelUnavailableError(`no mobile number to send to (notify.channels.sms.to names none of ${n.audience.join(', ') || 'the audience'}${who})`);
      }
      const gateway = (opts.gateway ?? gatewayFor)(sms);
      return {
        where: `SMS gateway ${gateway.where}`,
        targets,
        missing: missing.map((person) => ({ person, why: 'no mobile number in the team directory' })),
        async send(target, ack) {
          const templateParam = { [SMS_TEMPLATE_VARIABLE]: smsText(n.message, ack) };
          try {
            const r = await gateway.send({ phoneNumbers: [target.address], signName: sms.signName, templateCode: sms.templateCode, templateParam, outId: outIdFor(n.id, target.address) });
            return { detail: `${target.address} (BizId ${r.bizId})` };
          } catch (err) {
            if (!(err instanceof SmsRefusedError)) throw err; // not reached or busy: worth a retry
            // One number refused: the others still get theirs. Any other refusal (key, signature, template) stops the notice.
            if (refusesNumber(err.code)) throw new RecipientRefusedError(`${target.address} (${err.message})`);
            throw ApplicationFailure.nonRetryable(err.message, 'SmsRefused');
          }
        },
        close: () => undefined,
      };
    },
  };
  return channel;
}
