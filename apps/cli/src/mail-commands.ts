// `yingji mail list|show`: the messages the embedded stack's mail sink kept (apps/mail-sink), read
// straight from its folder, so they work whether or not the stack is running.
import { Command } from 'commander';
import { listMail, readMail } from '../../mail-sink/src';
import { loadConfig } from '../../shared/config';

/** One line per message, oldest first: id, when, to, subject. */
export async function mailList(dir: string, out: (line: string) => void): Promise<number> {
  const mails = await listMail(dir);
  if (mails.length === 0) {
    out(`no messages in ${dir} (the mail sink keeps what \`yingji up\` sends while YINGJI_SMTP_URL is unset)`);
    return 0;
  }
  for (const m of mails) out(`${m.id}  ${m.receivedAt}  to ${m.to}  ${m.subject}`);
  return mails.length;
}

/** Headers and the text body of one message (`html` shows the HTML part instead). */
export async function mailShow(dir: string, id: string, out: (line: string) => void, opts: { html?: boolean } = {}): Promise<void> {
  const m = await readMail(dir, id);
  out(`Message-ID: ${m.messageId ?? '-'}`);
  out(`Received:   ${m.receivedAt}`);
  out(`From:       ${m.from}`);
  out(`To:         ${m.to}`);
  out(`Subject:    ${m.subject}`);
  out(`File:       ${m.file}`);
  out('');
  if (opts.html && !m.html) throw new Error(`message ${m.id} has no HTML part`);
  out(opts.html ? m.html! : m.text);
}

export function mailCommands(): Command {
  const cmd = new Command('mail').description("messages kept by the embedded stack's mail sink (YINGJI_DATA_DIR/mail)");
  cmd
    .command('list')
    .description('every kept message, oldest first')
    .action(async () => {
      await mailList(loadConfig().mailSink.dir, (l) => console.log(l));
    });
  cmd
    .command('show <id>')
    .description('one message: its headers and text (an id from `yingji mail list`, or its unique start)')
    .option('--html', 'print the HTML part instead of the text')
    .action(async (id: string, o: { html?: boolean }) => {
      await mailShow(loadConfig().mailSink.dir, id, (l) => console.log(l), o);
    });
  return cmd;
}
