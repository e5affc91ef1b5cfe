// The gateway's folder: messages.jsonl, one accepted message per line, oldest first. One process
// appends; readers (`yingji sms list`, tests) read whole lines only.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StoredSms {
  /** Whose SendSms it came through; absent on lines kept before Tencent's was answered (Aliyun's). */
  provider?: 'aliyun' | 'tencent';
  /** Aliyun's BizId or Tencent's SerialNo. */
  bizId: string;
  receivedAt: string;
  /** Aliyun's OutId or Tencent's SessionContext. */
  outId?: string;
  /** As Aliyun takes them (national for China, country code + number otherwise), whichever provider's. */
  phoneNumbers: string[];
  signName: string;
  /** Aliyun's TemplateCode or Tencent's TemplateId. */
  templateCode: string;
  /** By variable name (Aliyun) or position from "1" (Tencent's TemplateParamSet). */
  templateParam: Record<string, string>;
}

export const smsFile = (dir: string) => path.join(dir, 'messages.jsonl');

/** Every kept message, oldest first; an empty list when nothing was kept yet. */
export function listSms(dir: string): StoredSms[] {
  const file = smsFile(dir);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as StoredSms);
}

export function keepSms(dir: string, m: StoredSms): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(smsFile(dir), `${JSON.stringify(m)}\n`);
}
