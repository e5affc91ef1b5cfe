// Warnings returned with a publish: roles of the plan that reach nobody through the team directory
// the deployment runs with. A warning never refuses the publish: the directory changes more often
// than plans, and the incident itself reports (and routes around) a role that resolves to nobody.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem } from '../../../../domain/plan/parse-plan';
import type { Plan } from '../../../../domain/plan/plan.types';
import { loadDirectory } from '../../../../domain/responsibility/directory';
import { checkReachability } from '../../../../domain/responsibility/reachability';
import type { Env } from '../../../../domain/yaml/reader';

/** One sentence per role that reaches nobody at any level, or why the roles could not be checked. */
export function reachabilityWarnings(plan: Plan, directoryFile: string, env: Env): string[] {
  const name = path.basename(directoryFile);
  let text: string;
  try {
    text = fs.readFileSync(directoryFile, 'utf8');
  } catch (e) {
    return [`the team directory ${name} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); who the plan reaches was not checked`];
  }
  const dir = loadDirectory(text, { file: name, env });
  if (!dir.ok) return [`the team directory ${name} has ${dir.problems.length} problem(s), so who the plan reaches was not checked; first: ${formatProblem(dir.problems[0])}`];
  return checkReachability(plan, dir.directory).unreachable.map((u) => u.message);
}
