// `yingji im list`: the chat messages the embedded stack's robot server kept (apps/im-robots), and
// what it refused, read straight from its folder, so it works whether or not the stack is running.
import { Command } from 'commander';
import { imRobotsDir, listRobotMessages, listRobotRefusals } from '../../im-robots/src';
import { loadConfig } from '../../shared/config';

/** One line per message, oldest first: when, which robot, the text on one line. */
export function imList(dir: string, out: (line: string) => void, opts: { refused?: boolean } = {}): number {
  if (opts.refused) {
    const refusals = listRobotRefusals(dir);
    if (refusals.length === 0) out(`no refusals in ${dir}`);
    for (const r of refusals) out(`${r.receivedAt}  ${r.kind}${r.robot ? `:${r.robot}` : ' (unknown token)'}  refused, code ${r.code}: ${r.why}`);
    return refusals.length;
  }
  const messages = listRobotMessages(dir);
  if (messages.length === 0) {
    out(`no messages in ${dir} (the robot server keeps what \`yingji up\` sends while no YINGJI_WECOM_URL, YINGJI_DINGTALK_URL or YINGJI_FEISHU_URL is set)`);
    return 0;
  }
  for (const m of messages) out(`${m.receivedAt}  ${m.kind}:${m.robot}  ${m.text.replace(/\s*\n\s*/g, ' ⏎ ')}`);
  return messages.length;
}

export function imCommands(): Command {
  const cmd = new Command('im').description("chat messages kept by the embedded stack's IM robot server (YINGJI_DATA_DIR/im)");
  cmd
    .command('list')
    .description('every kept message, oldest first')
    .option('--refused', 'what the robots refused instead (wrong signature, unknown token or key), with their codes')
    .action((o: { refused?: boolean }) => {
      const config = loadConfig();
      imList(imRobotsDir(config.dataDir), (l) => console.log(l), o);
    });
  return cmd;
}
