// `yingji plan check <plan>`: can the plan reach its people? Each role the plan uses, the people it
// resolves to through the team directory, and the plan's channels each person is reachable on. Exits
// 1 naming every role that reaches nobody (and why), or a directory or plan that does not load.
import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../shared/config';
import { formatProblem, parsePlan } from '../../../domain/plan/parse-plan';
import { LEVELS } from '../../../domain/plan/plan.types';
import type { Level, Plan } from '../../../domain/plan/plan.types';
import { loadDirectory } from '../../../domain/responsibility/directory';
import { checkReachability } from '../../../domain/responsibility/reachability';
import type { ReachabilityReport } from '../../../domain/responsibility/reachability';
import { planVariables } from '../../../domain/yaml/plan-variables';
import { apiClient } from './session';

export interface CheckIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

interface CheckOptions {
  level?: Level;
  directory?: string;
  json?: boolean;
}

/** The command, mounted under `yingji plan`. `io` is where lines go (tests collect them). */
export function planCheckCommand(io: CheckIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Command {
  return new Command('check')
    .description('check that every role of a plan reaches at least one person on the plan\'s channels; exit 1 naming each role that reaches nobody')
    .argument('<plan>', 'a plan file, or the id of a published plan (read through the API)')
    .addOption(new Option('--level <level>', 'check one level (default: every level the plan can be classified at)').choices([...LEVELS]))
    .option('--directory <file>', 'the team directory (default: YINGJI_DIRECTORY, else plans/teams.example.yaml)')
    .option('--json', 'print the whole report as JSON')
    .action(async (target: string, o: CheckOptions) => {
      process.exitCode = await checkPlan(target, o, io);
    });
}

/** Runs the check and returns the exit code: 0 every role reaches somebody, 1 otherwise. */
async function checkPlan(target: string, o: CheckOptions, io: CheckIo): Promise<number> {
  const variables = planVariables(process.env);
  const plan = await readPlan(target, variables, io);
  const dirFile = o.directory ?? loadConfig().directoryFile;
  let text: string;
  try {
    text = fs.readFileSync(dirFile, 'utf8');
  } catch (e) {
    io.err(`the team directory ${dirFile} cannot be read: ${(e as Error).message}`);
    return 1;
  }
  const dir = loadDirectory(text, { file: path.relative(process.cwd(), dirFile) || dirFile, env: variables });
  if (!dir.ok) {
    io.err(`the team directory ${dirFile} has problems; the plan cannot be checked against it:`);
    for (const p of dir.problems) io.err(formatProblem(p));
  }
  if (!plan || !dir.ok) return 1;
  const report = checkReachability(plan, dir.directory, o.level);
  if (o.json) io.out(JSON.stringify({ planId: plan.id, version: plan.version, ...report }, null, 2));
  else printReport(plan, report, io);
  return report.unreachable.length > 0 ? 1 : 0;
}

async function readPlan(target: string, env: Record<string, string | undefined>, io: CheckIo): Promise<Plan | undefined> {
  if (!fs.existsSync(target)) {
    // Not a file: the latest published version of the plan with that id.
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(target)) {
      io.err(`${target}: no such plan file (or a plan id such as einvoice-db-crash)`);
      return undefined;
    }
    try {
      return (await apiClient().get<{ plan: Plan }>(`/plans/${encodeURIComponent(target)}`)).plan;
    } catch (e) {
      io.err(`${target}: not a file, and the published plan could not be read: ${(e as Error).message}`);
      return undefined;
    }
  }
  const result = parsePlan(fs.readFileSync(target, 'utf8'), { file: path.relative(process.cwd(), target) || target, env });
  if (result.ok) return result.plan;
  io.err(`${target} is not a valid plan (\`yingji plan validate\` says more):`);
  for (const p of result.problems) io.err(formatProblem(p));
  return undefined;
}

function printReport(plan: Plan, r: ReachabilityReport, io: CheckIo): void {
  io.out(`${plan.id} v${plan.version} at level ${r.levels.join(', ')}; channels the plan names: ${r.channels.join(', ') || 'none (any contact counts)'}`);
  for (const role of r.roles) {
    const by = role.selectedBy ? `, ${role.selectedBy}` : '';
    io.out(`${role.reachable ? 'ok ' : 'NO '} ${role.role} (${role.team}${by}) on ${role.channels.join(', ') || 'any channel'}${role.levels.length < r.levels.length ? ` [level ${role.levels.join(', ')}]` : ''}`);
    for (const p of role.people) io.out(`      ${p.id} ${p.name}: ${p.channels.length ? p.channels.join(', ') : `unreachable, ${p.why}`}`);
    for (const [c, addresses] of Object.entries(role.planAddresses)) io.out(`      (plan's own ${c} address: ${addresses.join(', ')})`);
    if (!role.reachable) io.out(`      reaches nobody: ${role.why}`);
  }
  for (const w of r.warnings) io.out(`warning: ${w.message}`);
  for (const u of r.unreachable) io.err(`unreachable: ${u.message}`);
  io.out(r.unreachable.length ? `${r.unreachable.length} role(s) reach nobody` : 'every role reaches at least one person');
}
