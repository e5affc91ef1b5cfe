// The sink's folder: one `.eml` per message, named by when it arrived, so a listing sorts by time.
// Written to a temporary name and renamed, so a reader never sees half a message.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleParser } from 'mailparser';

export interface StoredMail {
  id: string;
  file: string;
  receivedAt: string;
  from: string;
  to: string;
  subject: string;
  messageId?: string;
}

export interface StoredMailFull extends StoredMail {
  text: string;
  html?: string;
  /** The envelope recipients the server accepted (the `to` header may differ). */
  envelopeTo: string[];
}

/** `20261123T080000123Z-a1b2c3`: when it arrived, and a few random characters for messages in the same millisecond. */
function newId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

const ID_RE = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

/** Keeps one raw message; the envelope goes in `X-Yingji-Envelope-*` headers at the top. */
export function storeMail(dir: string, raw: Buffer, envelope: { from?: string; to: string[] }): string {
  fs.mkdirSync(dir, { recursive: true });
  const id = newId();
  const head = `X-Yingji-Envelope-From: <${envelope.from ?? ''}>\r\nX-Yingji-Envelope-To: ${envelope.to.join(', ')}\r\n`;
  const tmp = path.join(dir, `.${id}.tmp`);
  fs.writeFileSync(tmp, Buffer.concat([Buffer.from(head), raw]));
  fs.renameSync(tmp, path.join(dir, `${id}.eml`));
  return id;
}

const addressText = (a: unknown): string => {
  if (!a) return '';
  return (Array.isArray(a) ? a : [a]).map((x: { text?: string }) => x.text ?? '').join(', ');
};

async function parse(dir: string, id: string): Promise<StoredMailFull> {
  const file = path.join(dir, `${id}.eml`);
  const mail = await simpleParser(fs.readFileSync(file));
  const envelopeTo = String(mail.headers.get('x-yingji-envelope-to') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    id,
    file,
    receivedAt: `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}.${id.slice(15, 18)}Z`,
    from: addressText(mail.from),
    to: addressText(mail.to) || envelopeTo.join(', '),
    subject: mail.subject ?? '',
    messageId: mail.messageId,
    text: mail.text ?? '',
    html: typeof mail.html === 'string' ? mail.html : undefined,
    envelopeTo,
  };
}

/** Every kept message, oldest first; an empty list when the folder does not exist yet. */
export async function listMail(dir: string): Promise<StoredMail[]> {
  if (!fs.existsSync(dir)) return [];
  const ids = fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).map((f) => f.slice(0, -4)).filter((id) => ID_RE.test(id)).sort();
  const out: StoredMail[] = [];
  for (const id of ids) {
    const { text: _t, html: _h, envelopeTo: _e, ...summary } = await parse(dir, id);
    out.push(summary);
  }
  return out;
}

/** One message by its id (or the unique id that starts with what was given). */
export async function readMail(dir: string, id: string): Promise<StoredMailFull> {
  const ids = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).map((f) => f.slice(0, -4)).filter((i) => ID_RE.test(i)) : [];
  const matches = ids.filter((i) => i === id || (id.length >= 4 && i.startsWith(id)));
  if (matches.length === 0) throw new Error(`no message ${id} in ${dir} (\`yingji mail list\` shows the ids)`);
  if (matches.length > 1) throw new Error(`${id} names ${matches.length} messages in ${dir}; give more of the id`);
  return parse(dir, matches[0]);
}
