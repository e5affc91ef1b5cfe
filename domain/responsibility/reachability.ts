// Can the plan reach its people? Every role a plan uses (step owners, notify `to:`, escalation
// `notify:`, `owner-lead`, `commander`, `management`, the review owner) resolved to people through
// the team directory and, for each person, the plan's channels they can be reached on. Used by
// `yingji plan check` and as warnings when a plan is published. Pure: no I/O.
import { isStepActiveAt, possibleLevels } from '../plan/graph';
import type { Level, Plan } from '../plan/plan.types';
import { didYouMean } from '../text/did-you-mean';
import { holdersOf, isMobile } from './directory';
import type { Person, TeamDirectory } from './directory';

export interface PersonReach {
  id: string;
  name: string;
  /** The role's channels this person can be reached on (empty: unreachable, see `why`). */
  channels: string[];
  why?: string;
}

export interface RoleReach {
  /** The plan's role name, or `owner-lead`, `commander`, `management`. */
  role: string;
  /** The team the people come from (for `owner-lead`: the step owner's team). */
  team: string;
  /** How the people were picked in the team: a team role (`commander`), `lead` or `members`. */
  selectedBy?: string;
  /** The levels at which the plan uses the role. */
  levels: Level[];
  /** The channels the plan sends this role's messages on. */
  channels: string[];
  /** Addresses the plan itself gives the role (`notify.channels.email.to.commander`), by channel. */
  planAddresses: Record<string, string[]>;
  people: PersonReach[];
  /**
   * At least one person reachable on one of `channels`. An address the plan gives is not enough:
   * a mailbox takes messages but cannot take a task or acknowledge it.
   */
  reachable: boolean;
  /** Why the role reaches nobody. */
  why?: string;
  /** Channels of the role that reach nobody in it (messages on them are lost), while others work. */
  gaps: string[];
}

export interface Finding {
  role: string;
  team: string;
  person?: string;
  channel?: string;
  message: string;
}

export interface ReachabilityReport {
  levels: Level[];
  /** Every channel the plan names (notify steps at these levels, `notify.channels`). */
  channels: string[];
  roles: RoleReach[];
  /** Roles that reach nobody: the plan cannot work as written. */
  unreachable: Finding[];
  /** People who cannot be reached in a role that still reaches someone, and channels that reach nobody in a role. */
  warnings: Finding[];
}

export type ReachablePlan = Pick<Plan, 'owner' | 'roles' | 'steps'> & Partial<Pick<Plan, 'escalation' | 'review' | 'notify' | 'levels'>>;

/** Where a role's messages go: its team and how its people are picked. */
interface Use {
  role: string;
  team: string;
  teamRole?: string;
  levels: Set<Level>;
  channels: Set<string>;
}

/**
 * Checks who the plan can reach at a level (or at every level the plan can be classified at).
 * Channels per role: a notify step's `channels` for its `to:` roles; the plan's own channels
 * (`notify.channels`, which stage and escalation notices go through) for everything else; every
 * channel the plan names when neither applies. When the plan names no channel at all, any contact
 * the person has counts. The plain `webhook` channel
 * reaches a person only when they have a webhook contact (the deployment webhook is a group).
 */
export function checkReachability(plan: ReachablePlan, directory: TeamDirectory, level?: Level): ReachabilityReport {
  const levels = level ? [level] : possibleLevels(plan);
  const planWide = Object.keys(plan.notify?.channels ?? {});
  const named = new Set(planWide);
  const uses = new Map<string, Use>();

  const teamOf = (role: string): { team: string; teamRole?: string } | undefined => {
    const def = plan.roles[role];
    if (def) return { team: def.team, teamRole: def.role };
    if (role === 'commander') return { team: plan.owner, teamRole: 'lead' };
    if (role === 'management') return { team: 'management' };
    return undefined;
  };
  const leadOf = (ownerRole?: string) => {
    const owner = ownerRole ? teamOf(ownerRole) : undefined;
    return owner ? { team: owner.team, teamRole: 'lead' } : undefined;
  };
  const use = (role: string, at: Level, channels: readonly string[], ownerRole?: string) => {
    const where = role === 'owner-lead' ? leadOf(ownerRole) : teamOf(role);
    if (!where) return;
    const key = `${role}|${where.team}`;
    const u = uses.get(key) ?? { role, ...where, levels: new Set<Level>(), channels: new Set<string>() };
    u.levels.add(at);
    channels.forEach((c) => u.channels.add(c));
    uses.set(key, u);
  };

  for (const at of levels) {
    for (const role of Object.keys(plan.roles)) use(role, at, planWide);
    use('commander', at, planWide); // stage notices go to the commander
    const active = plan.steps.filter((s) => isStepActiveAt(s, at));
    for (const s of active) {
      if (s.owner) use(s.owner, at, planWide);
      if (s.type !== 'notify') continue;
      s.channels.forEach((c) => named.add(c));
      for (const t of s.to) use(t, at, s.channels, s.owner);
    }
    for (const rule of plan.escalation ?? []) {
      for (const t of rule.notify) {
        if (t !== 'owner-lead') use(t, at, planWide);
        else for (const s of active) if (s.owner) use(t, at, planWide, s.owner);
      }
    }
    if (plan.review) use(plan.review.owner, at, planWide);
  }

  // A role the plan names no channel for is reached on any channel the plan names.
  for (const u of uses.values()) if (u.channels.size === 0) named.forEach((c) => u.channels.add(c));
  const roles = [...uses.values()].map((u) => reach(u, plan, directory, levels));
  const unreachable: Finding[] = [];
  const warnings: Finding[] = [];
  for (const r of roles) {
    if (!r.reachable) {
      unreachable.push({ role: r.role, team: r.team, message: `role "${r.role}" (team ${r.team}) reaches nobody: ${r.why}` });
      continue;
    }
    for (const p of r.people) if (p.why) warnings.push({ role: r.role, team: r.team, person: p.id, message: `${p.id} (${p.name}) in role "${r.role}" cannot be reached: ${p.why}` });
    for (const c of r.gaps) warnings.push({ role: r.role, team: r.team, channel: c, message: `nobody in role "${r.role}" (team ${r.team}) can be reached on ${c}` });
  }
  return { levels, channels: [...named], roles, unreachable, warnings };
}

function reach(u: Use, plan: ReachablePlan, directory: TeamDirectory, allLevels: Level[]): RoleReach {
  const anyChannel = u.channels.size === 0;
  const channels = [...u.channels];
  const planAddresses: Record<string, string[]> = {};
  for (const c of channels) {
    const to = (plan.notify?.channels?.[c] as { to?: Record<string, string | string[]> } | undefined)?.to?.[u.role];
    if (to !== undefined) planAddresses[c] = Array.isArray(to) ? to : [to];
  }
  const base = { role: u.role, team: u.team, levels: allLevels.filter((l) => u.levels.has(l)), channels, planAddresses, gaps: [] as string[] };
  const nobody = (why: string): RoleReach => ({ ...base, people: [], reachable: false, why });

  const team = directory.teams[u.team];
  if (!team) {
    const s = didYouMean(u.team, Object.keys(directory.teams));
    return nobody(`team "${u.team}" is not in the team directory${s ? ` (did you mean "${s}"?)` : ''}`);
  }
  const selectedBy = u.teamRole ?? 'members';
  const ids = holdersOf(team, u.teamRole);
  if (ids.length === 0) return { ...nobody(`nobody in team "${u.team}" holds the role "${u.teamRole}"`), selectedBy };

  const people = ids.map((id): PersonReach => {
    const p = directory.people[id];
    const on = p && p.available ? reachableOn(p, anyChannel ? undefined : channels) : [];
    const why = !p ? 'not in the directory' : !p.available ? 'unavailable (available: false)' : on.length === 0 ? noContactWhy(p, channels) : undefined;
    return { id, name: p?.name ?? id, channels: on, ...(why ? { why } : {}) };
  });
  const reachable = people.some((p) => p.channels.length > 0);
  const covered = new Set([...people.flatMap((p) => p.channels), ...Object.keys(planAddresses)]);
  const gaps = anyChannel || !reachable ? [] : channels.filter((c) => !covered.has(c));
  const why = reachable ? undefined : people.map((p) => `${p.id} ${p.why}`).join('; ');
  return { ...base, selectedBy, people, reachable, gaps, ...(why ? { why } : {}) };
}

/** The channels (of `among`, or any when undefined) a person has an address for. */
function reachableOn(p: Person, among?: string[]): string[] {
  const c = p.contacts;
  const has = (ch: string): boolean =>
    Boolean((c as Record<string, string | undefined>)[ch]) ||
    // A mobile written as `phone` takes text messages; an `sms` number can be called.
    (ch === 'sms' && !!c.phone && isMobile(c.phone)) ||
    (ch === 'phone' && !!c.sms);
  const candidates = among ?? Object.keys(c);
  return candidates.filter(has);
}

function noContactWhy(p: Person, channels: string[]): string {
  const has = Object.keys(p.contacts);
  if (has.length === 0) return 'has no contact address';
  const smsLandline = channels.includes('sms') && p.contacts.phone && !isMobile(p.contacts.phone) ? ` (phone ${p.contacts.phone} is not a mobile, so no SMS)` : '';
  return `has no contact for ${channels.join(' or ')}, only ${has.join(', ')}${smsLandline}`;
}
