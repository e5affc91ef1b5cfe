// Who answers for what: a plan's roles (and the built-ins owner-lead, commander, management) mapped
// to teams and reachable people from the team directory, for the steps active at a level.
import { isStepActiveAt } from '../plan/graph';
import type { Level, Plan, Step } from '../plan/plan.types';
import { didYouMean } from '../text/did-you-mean';
import { holdersOf, isReachable } from './directory';
import type { Contacts, TeamDirectory } from './directory';

export interface ResolvedPerson {
  id: string;
  name: string;
  contacts: Contacts;
}

/** A role resolved to its team and the people who can be reached for it. */
export interface Party {
  /** The plan's role name (or `owner-lead`, `commander`, `management`). */
  role: string;
  team: string;
  /** The role inside the team the people were chosen by (`commander`), or `lead` / `members`. */
  selectedBy: string;
  /** Reachable people, in directory order (the lead first when members are used). */
  people: ResolvedPerson[];
  teamContacts: Contacts;
}

export interface StepResponsibility {
  owner?: Party;
  /** The lead of the owner's team (escalation's `owner-lead`). */
  ownerLead?: Party;
  /** For notify steps: everyone to tell. */
  to?: Party[];
}

export interface Responsibility {
  level: Level;
  /** Every declared role, plus `commander` and (when used or resolvable) `management`. */
  roles: Record<string, Party>;
  /** Steps active at the level. */
  steps: Record<string, StepResponsibility>;
  /**
   * Roles that resolve to nobody reachable, each with why. Set by the assignment of a running
   * incident: their tasks and messages go to the commander instead of stopping the plan.
   */
  unresolved?: ResponsibilityProblem[];
}

export interface ResponsibilityProblem {
  role: string;
  team?: string;
  step?: string;
  message: string;
}

export type ResolveResult =
  | { ok: true; responsibility: Responsibility }
  | { ok: false; problems: ResponsibilityProblem[]; responsibility: Responsibility };

type ResolvablePlan = Pick<Plan, 'owner' | 'roles' | 'steps'> & Partial<Pick<Plan, 'escalation' | 'review'>>;

/**
 * Resolves every role of a plan at a level. Problems (each naming the role and team): a role's team
 * missing from the directory, a team role nobody holds, and a role with no reachable person. Declared
 * roles and `commander` must always resolve; `management` and `owner-lead` only where used at the level.
 * Undeclared `commander` is the lead of the plan's owner team; undeclared `management` is the team
 * named `management`.
 */
export function resolveResponsibility(plan: ResolvablePlan, level: Level, directory: TeamDirectory): ResolveResult {
  const problems: ResponsibilityProblem[] = [];
  const roles: Record<string, Party> = {};
  const teamNames = Object.keys(directory.teams);

  const person = (id: string): ResolvedPerson | undefined => {
    const p = directory.people[id];
    return p && isReachable(p) ? { id: p.id, name: p.name, contacts: { ...p.contacts } } : undefined;
  };

  const resolve = (role: string, teamId: string, teamRole: string | undefined, report: boolean, step?: string): Party | undefined => {
    const where = step ? { step } : {};
    const team = directory.teams[teamId];
    if (!team) {
      if (report) {
        const s = didYouMean(teamId, teamNames);
        problems.push({ role, team: teamId, ...where, message: `role "${role}": team "${teamId}" is not in the team directory${s ? ` (did you mean "${s}"?)` : ''}` });
      }
      return undefined;
    }
    const ids = holdersOf(team, teamRole);
    const selectedBy = teamRole ?? 'members';
    if (teamRole !== undefined && teamRole !== 'lead' && ids.length === 0) {
      if (report) problems.push({ role, team: teamId, ...where, message: `role "${role}": nobody in team "${teamId}" holds the role "${teamRole}"` });
      return undefined;
    }
    const people = ids.map(person).filter((p): p is ResolvedPerson => p !== undefined);
    if (people.length === 0) {
      if (report) {
        const who = teamRole === 'lead' ? `its lead (${team.lead})` : teamRole ? `the people holding "${teamRole}" (${ids.join(', ')})` : `its members (${ids.join(', ')})`;
        problems.push({ role, team: teamId, ...where, message: `role "${role}" has no reachable person in team "${teamId}": ${who} are unavailable or have no contact address` });
      }
      return undefined;
    }
    return { role, team: teamId, selectedBy, people, teamContacts: { ...team.contacts } };
  };

  const active = plan.steps.filter((s) => isStepActiveAt(s, level));
  const used = new Set<string>();
  for (const s of active) {
    if (s.owner) used.add(s.owner);
    if (s.type === 'notify') s.to.forEach((t) => used.add(t));
  }
  for (const e of plan.escalation ?? []) e.notify.forEach((t) => used.add(t));
  if (plan.review) used.add(plan.review.owner);

  for (const [name, def] of Object.entries(plan.roles)) {
    const party = resolve(name, def.team, def.role, true);
    if (party) roles[name] = party;
  }
  if (!plan.roles.commander) {
    const party = resolve('commander', plan.owner, 'lead', true);
    if (party) roles.commander = party;
  }
  if (!plan.roles.management) {
    const party = resolve('management', 'management', undefined, used.has('management'));
    if (party) roles.management = party;
  }

  const teamOf = (role: string): string | undefined =>
    plan.roles[role]?.team ?? (role === 'commander' ? plan.owner : role === 'management' ? 'management' : undefined);
  const ownerLeadUsed = (s: Step) => (plan.escalation ?? []).some((e) => e.notify.includes('owner-lead')) || (s.type === 'notify' && s.to.includes('owner-lead'));

  const steps: Record<string, StepResponsibility> = {};
  for (const s of active) {
    const r: StepResponsibility = {};
    if (s.owner) {
      r.owner = roles[s.owner];
      const team = teamOf(s.owner);
      if (team) {
        const lead = resolve('owner-lead', team, 'lead', ownerLeadUsed(s) && directory.teams[team] !== undefined, s.id);
        if (lead) r.ownerLead = lead;
      }
    }
    if (s.type === 'notify') {
      const to: Party[] = [];
      for (const t of s.to) {
        const p = t === 'owner-lead' ? r.ownerLead : roles[t];
        if (p) to.push(p);
      }
      r.to = to;
    }
    steps[s.id] = r;
  }

  const responsibility: Responsibility = { level, roles, steps };
  // The same role can fail for several steps (owner-lead); report each (role, team, step) once.
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = `${p.role}|${p.team}|${p.step}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.length > 0 ? { ok: false, problems: unique, responsibility } : { ok: true, responsibility };
}

/** The party for a role as seen from a step (`owner-lead` depends on the step). */
export function partyFor(resp: Responsibility, role: string, stepId?: string): Party | undefined {
  if (role === 'owner-lead') return stepId ? resp.steps[stepId]?.ownerLead : undefined;
  return resp.roles[role];
}
