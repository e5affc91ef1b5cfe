import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem, parsePlan } from '../../../domain/plan/parse-plan';
import { LEVEL_NAMES } from '../../../domain/incident/classify';
import { possibleLevels } from '../../../domain/plan/graph';
import { planVariables } from '../../../domain/yaml/plan-variables';
import { planCheckCommand } from './plan-check';
import { apiClient } from './session';

function planFiles(target: string): string[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${target}: no such file or directory`);
  if (stat.isFile()) return [target];
  return fs
    .readdirSync(target)
    .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('teams'))
    .sort()
    .map((f) => path.join(target, f));
}

/** `yingji plan ...`: validate plan files before review, publish them after. */
export function planCommands(): Command {
  const cmd = new Command('plan').description('validate and publish plan files');
  cmd
    .command('validate <fileOrDir>')
    .description('check plan files; prints every problem (exit 1) or one line per valid plan (exit 0)')
    .action((target: string) => {
      let bad = 0;
      const variables = planVariables(process.env);
      for (const file of planFiles(target)) {
        const result = parsePlan(fs.readFileSync(file, 'utf8'), { file: path.relative(process.cwd(), file) || file, env: variables });
        if (!result.ok) {
          bad++;
          for (const p of result.problems) console.error(formatProblem(p));
          continue;
        }
        const p = result.plan;
        const levels = possibleLevels(p).map((l) => `${l} ${LEVEL_NAMES[l].zh}`).join('/');
        console.log(`ok  ${p.id} v${p.version}  ${p.steps.length} steps, levels ${levels}  (${file})`);
      }
      if (bad) process.exitCode = 1;
    });
  cmd
    .command('publish <file>')
    .description('publish a plan version through the API (needs an admin token)')
    .action(async (file: string) => {
      const result = (await apiClient().publishPlan(fs.readFileSync(file, 'utf8'))) as { planId: string; version: number; created: boolean; sha256: string; warnings?: string[] };
      console.log(`${result.created ? 'published' : 'already published'}: ${result.planId} v${result.version} (sha256 ${result.sha256.slice(0, 12)})`);
      for (const w of result.warnings ?? []) console.error(`warning: ${w}`);
    });
  cmd
    .command('draft-next <planId>')
    .description("write the next version's draft: the latest text with every accepted improvement item as a comment at its step")
    .option('--out <file>', 'where to write it (default: plans/drafts/<id>.v<N>.yaml)')
    .action(async (planId: string, o: { out?: string }) => {
      const d = await apiClient().get<{ version: number; text: string; placed: number; general: number }>(`/plans/${encodeURIComponent(planId)}/draft-next`);
      const out = o.out ?? path.join('plans', 'drafts', `${planId}.v${d.version}.yaml`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, d.text);
      console.log(`${out}: version ${d.version}, ${d.placed} item(s) at their steps, ${d.general} general`);
    });
  cmd.addCommand(planCheckCommand());
  return cmd;
}
