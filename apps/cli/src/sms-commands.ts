// `yingji sms list`: the text messages the embedded stack's SMS gateway kept (apps/sms-gateway),
// read straight from its folder, so it works whether or not the stack is running.
import { Command } from 'commander';
import { listSms } from '../../sms-gateway/src';
import { loadConfig } from '../../shared/config';

/** One line per message, oldest first: when, to, template, text. */
export function smsList(dir: string, out: (line: string) => void): number {
  const messages = listSms(dir);
  if (messages.length === 0) {
    out(`no messages in ${dir} (the SMS gateway keeps what \`yingji up\` sends while YINGJI_SMS_URL is unset)`);
    return 0;
  }
  for (const m of messages) {
    const text = Object.values(m.templateParam).join(' ');
    out(`${m.receivedAt}  to ${m.phoneNumbers.join(',')}  【${m.signName}】 ${m.templateCode}  ${text}  (BizId ${m.bizId})`);
  }
  return messages.length;
}

export function smsCommands(): Command {
  const cmd = new Command('sms').description("text messages kept by the embedded stack's SMS gateway (YINGJI_DATA_DIR/sms)");
  cmd
    .command('list')
    .description('every kept message, oldest first')
    .action(() => {
      smsList(loadConfig().smsGateway.dir, (l) => console.log(l));
    });
  return cmd;
}
