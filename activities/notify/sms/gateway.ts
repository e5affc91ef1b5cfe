// What the SMS channel needs from a provider: send one templated message, or say why not.
// Aliyun's SendSms is the one implementation (aliyun.ts); another provider is another file.

export interface SmsMessage {
  /** Mobile numbers as the provider takes them (E.164 or national). */
  phoneNumbers: string[];
  /** The approved signature shown as 【SignName】 in the text. */
  signName: string;
  /** The approved template; its variables come from `templateParam`. */
  templateCode: string;
  templateParam: Record<string, string>;
  /** The sender's own id for this message, so a retried send is recognisable. */
  outId?: string;
}

export interface SmsGateway {
  /** Host of the endpoint, for details and errors (never the key). */
  where: string;
  /** Resolves with the provider's id once accepted; throws SmsRefusedError when refused for good. */
  send(m: SmsMessage): Promise<{ bizId: string; message: string }>;
}

/** The provider refused this message (bad signature, number, template): a retry cannot help. */
export class SmsRefusedError extends Error {
  override readonly name = 'SmsRefusedError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}
