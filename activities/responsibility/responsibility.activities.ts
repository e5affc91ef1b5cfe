import { ApplicationFailure } from '@temporalio/activity';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem } from '../../domain/plan/parse-plan';
import type { Level, Plan } from '../../domain/plan/plan.types';
import { loadDirectory } from '../../domain/responsibility/directory';
import { resolveResponsibility, Responsibility } from '../../domain/responsibility/resolve-responsibility';
import { planVariables } from '../../domain/yaml/plan-variables';

/**
 * Who answers for each role of a plan at a level, from the team directory as it is now. Run at
 * launch by the API (so an incident starts with its people) and by the workflow when it has none
 * yet or the level is overridden; the result is recorded in the workflow's history.
 */
export function resolveAssignments(directoryFile: string, req: { plan: Plan; level: Level }): Responsibility {
  let text: string;
  try {
    text = fs.readFileSync(directoryFile, 'utf8');
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`the team directory ${directoryFile} cannot be read: ${(err as Error).message}`, 'DirectoryError');
  }
  // Operator config follows the plans' rule: only YINGJI_PLAN_* variables, never the worker's secrets.
  const loaded = loadDirectory(text, { file: path.basename(directoryFile), env: planVariables(process.env) });
  if (!loaded.ok) {
    throw ApplicationFailure.nonRetryable(`the team directory has problems: ${loaded.problems.map(formatProblem).join('; ')}`, 'DirectoryError');
  }
  const resolved = resolveResponsibility(req.plan, req.level, loaded.directory);
  if (resolved.ok) return resolved.responsibility;
  // Without a commander nobody can take over: the plan cannot run, and says why.
  if (!resolved.responsibility.roles.commander) {
    throw ApplicationFailure.nonRetryable(
      `no reachable person for ${resolved.problems.map((p) => `role "${p.role}"${p.team ? ` (team ${p.team})` : ''}: ${p.message}`).join('; ')}`,
      'ResponsibilityError',
    );
  }
  // A role with nobody (a renamed team, everyone away) no longer stops the plan: its tasks go to
  // the commander, and the timeline says why (never a silent skip).
  return { ...resolved.responsibility, unresolved: resolved.problems };
}

/** The directory read as an activity, for the workflow. */
export function createResponsibilityActivities(directoryFile: string) {
  return {
    async resolveAssignments(req: { plan: Plan; level: Level }): Promise<Responsibility> {
      return resolveAssignments(directoryFile, req);
    },
  };
}

export type ResponsibilityActivities = ReturnType<typeof createResponsibilityActivities>;
