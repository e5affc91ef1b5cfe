// Plan files (yingji/v1, plan-format.md): YAML text in, a validated Plan or every problem out.
// Never throws. Problems carry file, line, column, path and a sentence for the plan owner.
import { isSeq } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { ACTION_NAMES, ACTIONS, isActionName } from './actions';
import { checkFacts, COMPARISONS, CONDITION_KINDS, evaluateCondition as evaluate, operandKind } from './conditions';
import { parseDuration } from './duration';
import { factMissingForLevels, readTriggers } from './parse-triggers';
import type { KnownFact } from './parse-triggers';
import { analyzePlanGraph, planGraph, possibleLevels } from './graph';
import { LEVELS } from './plan.types';
import type { AutomatedStep, Condition, DecisionOption, DecisionStep, EscalationRule, Level, LevelRule, Plan, Problem, RoleDef, Step } from './plan.types';
import {
  ADDRESS_CHANNELS,
  BUILT_IN_ROLES,
  CHANNELS,
  EMAIL_PATTERN,
  EXPECT_KINDS,
  FACT_RE,
  FACT_SOURCES,
  FAULTS,
  ID_RE,
  MESSAGE_PLACEHOLDERS,
  NOTIFY_STAGES,
  PHONE_PATTERN,
  PLAN_LIMITS,
  STEP_TYPES,
  WEBHOOK_FORMATS,
} from './vocabulary';
import { didYouMean, listWords, suggestion } from '../text/did-you-mean';
import { Env, Field, formatPath, Path, PathSeg, sortProblems, TooManyProblems, YamlReader } from '../yaml/reader';
import { isPlanVariableName, PLAN_VARIABLE_PREFIX } from '../yaml/plan-variables';

/** Robots that sign their messages with a secret (`secretEnv`). */
const SIGNING_ROBOTS: readonly string[] = ['dingtalk', 'feishu'];

export { formatProblem } from '../yaml/reader';

export interface ParsePlanOptions {
  /** Shown in problems; defaults to `plan.yaml`. */
  file?: string;
  /**
   * Values for `${NAME}`, e.g. `planVariables(process.env)`; the domain never reads process.env, and
   * only YINGJI_PLAN_* names are read from whatever is passed.
   */
  env?: Env;
}

export { PLAN_LIMITS };

const kib = (bytes: number) => `${Math.round((bytes / 1024) * 10) / 10} KiB`;

/** The problem with a plan text over the size limit (at 1:1), or undefined; cheap, before any parsing. */
export function planSizeProblem(text: string, file = 'plan.yaml'): Problem | undefined {
  // UTF-8 has at least one byte per UTF-16 unit: a text this short cannot be over the limit.
  if (text.length <= PLAN_LIMITS.maxBytes / 3) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= PLAN_LIMITS.maxBytes) return undefined;
  return {
    file,
    line: 1,
    column: 1,
    path: '',
    message: `the plan is ${kib(bytes)} (${bytes} bytes); a plan may be at most ${kib(PLAN_LIMITS.maxBytes)} (${PLAN_LIMITS.maxBytes} bytes): split it into several plans`,
  };
}

export type ParsePlanResult = { ok: true; plan: Plan } | { ok: false; problems: Problem[] };

const TOP_FIELDS = ['apiVersion', 'kind', 'id', 'version', 'title', 'owner', 'description', 'incidentTypes', 'facts', 'levels', 'triggers', 'roles', 'objectives', 'steps', 'escalation', 'notify', 'review', 'drill'] as const;
const TOP_REQUIRED = ['apiVersion', 'kind', 'id', 'version', 'title', 'owner', 'levels', 'roles', 'steps'] as const;

const STEP_COMMON = ['id', 'title', 'type', 'owner', 'after', 'levels', 'within'];
const STEP_FIELDS: Record<Step['type'], readonly string[]> = {
  manual: [...STEP_COMMON, 'checklist', 'provides'],
  automated: [...STEP_COMMON, 'action', 'with'],
  notify: [...STEP_COMMON, 'to', 'channels', 'message'],
  decision: [...STEP_COMMON, 'options'],
};
const STEP_REQUIRED: Record<Step['type'], readonly string[]> = {
  manual: ['id', 'type', 'owner'],
  automated: ['id', 'type', 'owner', 'action'],
  notify: ['id', 'type', 'to', 'channels', 'message'],
  decision: ['id', 'type', 'owner', 'options'],
};
const ALL_STEP_FIELDS = [...new Set(Object.values(STEP_FIELDS).flat())];
const STEP_NEEDS: Record<string, string> = {
  owner: ': TYPE steps need an owner (a role from "roles")',
  action: ': automated steps run an action, e.g. action: restoreByPriority',
  to: ': notify steps need a list of roles to tell',
  channels: ': notify steps need channels, e.g. [email]',
  message: ': notify steps need the message to send',
  options: ': decision steps need the options to choose from',
};

const ID_WORDS = 'lowercase words joined by dashes, e.g. restore-invoices';
const LEVEL_WORDS = 'a level: I, II, III or IV';
const EMAIL_RE = new RegExp(EMAIL_PATTERN);
const PHONE_RE = new RegExp(PHONE_PATTERN);
const URL_RE = /^https?:\/\/\S+$/;

/** Parses and validates a plan file. Returns the plan, or every problem found. Never throws. */
export function parsePlan(text: string, opts: ParsePlanOptions = {}): ParsePlanResult {
  const file = opts.file ?? 'plan.yaml';
  try {
    if (typeof text !== 'string') return { ok: false, problems: [{ file, line: 1, column: 1, path: '', message: 'a plan must be given as text' }] };
    const tooBig = planSizeProblem(text, file);
    if (tooBig) return { ok: false, problems: [tooBig] };
    return new PlanParser(text, file, opts.env ?? {}).parse();
  } catch (e) {
    if (e instanceof TooManyProblems) return { ok: false, problems: [...e.found, e.problem] };
    // A bug in the validator must not turn into an accepted plan or a crash of the caller.
    return { ok: false, problems: [{ file, line: 1, column: 1, path: '', message: `the plan could not be checked (internal error: ${e instanceof Error ? e.message : String(e)})` }] };
  }
}

class PlanParser {
  private readonly r: YamlReader;
  private roleNames = new Set<string>();
  private stepIds = new Map<string, number>();
  private stepTypes = new Map<string, string | undefined>();
  /** False once a step id or reference is wrong: graph checks would only repeat the problem. */
  private refsOk = true;
  private rulesOk = true;
  private drillFactsOk = true;
  private drillFactsValue: Record<string, unknown> = {};
  private factKinds = new Map<string, { kind: string; path: PathSeg[] }>();
  private factRefs: Array<{ step: string; fact: string; node: Node | null; path: PathSeg[] }> = [];

  constructor(text: string, file: string, env: Env) {
    this.r = new YamlReader(text, file, env);
  }

  parse(): ParsePlanResult {
    const r = this.r;
    if (!r.checkSyntax()) return this.fail();
    const root = r.root;
    if (root === null || r.kind(root) === 'nothing') {
      r.problemAt(0, [], 'the file is empty; a plan starts with "apiVersion: yingji/v1"');
      return this.fail();
    }
    const top = r.fields(root, [], { allowed: TOP_FIELDS, required: TOP_REQUIRED, what: 'a plan (a map of fields starting with "apiVersion: yingji/v1")' });
    if (!top) return this.fail();
    const v = (name: string) => top.get(name);
    if (this.tooManySteps(v('steps'))) return this.fail();

    const plan: Partial<Plan> = {};
    const apiVersion = v('apiVersion');
    if (apiVersion) {
      const s = r.str(apiVersion.value, apiVersion.path);
      if (s !== undefined && s !== 'yingji/v1') r.problem(apiVersion.value, apiVersion.path, `unknown apiVersion "${s}"; this validator reads "yingji/v1"`);
      else if (s !== undefined) plan.apiVersion = 'yingji/v1';
    }
    const kind = v('kind');
    if (kind) {
      const s = r.str(kind.value, kind.path);
      if (s !== undefined && s !== 'EmergencyPlan') {
        r.problem(kind.value, kind.path, s === 'TeamDirectory' ? 'this is a team directory, not a plan (kind must be "EmergencyPlan")' : `unknown kind "${s}"${suggestion(s, ['EmergencyPlan'])}; a plan has kind "EmergencyPlan"`);
      } else if (s !== undefined) plan.kind = 'EmergencyPlan';
    }
    const id = v('id');
    if (id) plan.id = r.pattern(id.value, id.path, ID_RE, `a plan id: ${ID_WORDS.replace('restore-invoices', 'einvoice-db-crash')}`);
    const version = v('version');
    if (version) plan.version = r.int(version.value, version.path, 1, 'a version: a whole number of 1 or more');
    const title = v('title');
    if (title) plan.title = this.text(title);
    const owner = v('owner');
    if (owner) plan.owner = r.pattern(owner.value, owner.path, ID_RE, `a team name: ${ID_WORDS.replace('restore-invoices', 'it-ops')}`);
    const description = v('description');
    if (description) plan.description = this.text(description);
    const incidentTypes = v('incidentTypes');
    if (incidentTypes) plan.incidentTypes = this.idList(incidentTypes.value, incidentTypes.path, 'an incident type', false);

    // Names first, so references anywhere can be checked (and misspellings suggested).
    const roles = v('roles');
    if (roles) plan.roles = this.roles(roles);
    const steps = v('steps');
    const stepNodes = steps ? r.list(steps.value, steps.path, 'a list of steps') : undefined;
    if (stepNodes) this.collectStepIds(stepNodes);

    const levels = v('levels');
    if (levels) plan.levels = this.levelRules(levels);
    // Undefined when the rules have problems: checks that depend on them are skipped.
    const possible = plan.levels && this.rulesOk ? possibleLevels({ levels: plan.levels }) : undefined;
    const sourced = v('facts');
    if (sourced) plan.facts = this.sourcedFacts(sourced);

    if (steps && stepNodes) {
      if (stepNodes.length === 0) r.problem(steps.value, steps.path, 'a plan needs at least one step');
      const parsed = stepNodes.map((n, i) => this.step(n, ['steps', i]));
      if (parsed.every((s): s is Step => s !== undefined)) plan.steps = parsed;
      else this.refsOk = false;
    }
    const objectives = v('objectives');
    if (objectives) plan.objectives = this.objectives(objectives, possible);
    const escalation = v('escalation');
    if (escalation) plan.escalation = this.escalation(escalation);
    const notify = v('notify');
    if (notify) plan.notify = this.notify(notify);
    const review = v('review');
    if (review) plan.review = this.review(review);
    const drill = v('drill');
    if (drill) plan.drill = this.drill(drill, plan);
    const triggers = v('triggers');
    if (triggers) plan.triggers = readTriggers(r, triggers, this.knownFacts(plan));
    if (plan.triggers && plan.levels && this.rulesOk && (!sourced || plan.facts)) {
      plan.triggers.forEach((t, i) => {
        const missing = factMissingForLevels(plan.levels!, t, Object.keys(plan.facts ?? {}));
        if (!missing) return;
        const path = ['triggers', i];
        const at = r.nodeAt(t.facts ? [...path, 'facts'] : path);
        r.problem(at, t.facts ? [...path, 'facts'] : path, `this trigger gives no value for fact "${missing.fact}", which levels[${missing.rule}] reads: add it to the trigger's facts (with a default), or give the trigger a level`);
      });
    }

    // Checks across the whole plan, only when the parts they rely on are sound.
    if (plan.steps && this.refsOk) {
      for (const issue of analyzePlanGraph({ steps: plan.steps, levels: this.rulesOk ? plan.levels : undefined })) {
        r.problem(r.nodeAt(issue.path), issue.path, issue.message);
      }
      this.checkFactRefs(plan.steps);
    }
    if (drill && plan.levels && this.rulesOk && this.drillFactsOk && (!sourced || plan.facts)) {
      // A fact taken from a source at launch has no value yet: try a near and a far value, so the
      // drill's own facts must classify whichever it turns out to be.
      const names = Object.keys(plan.facts ?? {}).filter((n) => !(n in this.drillFactsValue));
      for (const sample of names.length ? [0, 10_000] : [0]) {
        const facts = { ...Object.fromEntries(names.map((n) => [n, sample])), ...this.drillFactsValue };
        if (!this.checkDrillFacts(drill, plan.levels, facts)) break;
      }
    }

    if (r.problems.length > 0) return this.fail();
    return { ok: true, plan: plan as Plan };
  }

  /** The facts a trigger may set, each with the kind the plan uses it as: compared, sourced, or given by the drill. */
  private knownFacts(plan: Partial<Plan>): Map<string, KnownFact> {
    const out = new Map<string, KnownFact>();
    for (const [name, { kind, path }] of this.factKinds) out.set(name, { kind: kind as KnownFact['kind'], where: `${formatPath(path)} compares it with ${kind === 'text' ? 'text' : `a ${kind}`}` });
    for (const [name, { from }] of Object.entries(plan.facts ?? {})) if (!out.has(name)) out.set(name, { kind: 'number', where: `it comes from ${from}` });
    for (const [name, value] of Object.entries(this.drillFactsValue)) {
      const kind = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text';
      if (!out.has(name)) out.set(name, { kind, where: `the drill gives it as ${kind === 'text' ? 'text' : `a ${kind}`}` });
    }
    return out;
  }

  /** Counted on the YAML list before any step is read; every later check grows with the steps. */
  private tooManySteps(steps: Field | undefined): boolean {
    const list = steps ? this.r.deref(steps.value) : null;
    if (!isSeq(list) || list.items.length <= PLAN_LIMITS.maxSteps) return false;
    const first = PLAN_LIMITS.maxSteps;
    this.r.problem(list.items[first] as Node | null, ['steps', first], `a plan may have at most ${PLAN_LIMITS.maxSteps} steps; this one has ${list.items.length} (split it into several plans)`, list);
    return true;
  }

  private fail(): ParsePlanResult {
    return { ok: false, problems: sortProblems(this.r.problems) };
  }

  // ---- small readers ----

  private text(f: Field): string | undefined {
    const s = this.r.str(f.value, f.path);
    if (s !== undefined && s.trim() === '') {
      this.r.problem(f.value, f.path, 'must not be empty');
      return undefined;
    }
    return s;
  }

  private duration(node: Node | null, path: Path, opts: { allowZero: boolean }): { text: string; ms: number } | undefined {
    const r = this.r;
    if (r.kind(node) === 'number') {
      r.problem(node, path, `expected a duration such as 90s, 15m, 1h or 2d, found ${r.found(node)} (add a unit, e.g. ${String(r.plain(node, path))}m)`);
      return undefined;
    }
    const s = r.str(node, path, 'a duration such as 90s, 15m, 1h or 2d');
    if (s === undefined) return undefined;
    const ms = parseDuration(s);
    if (ms === undefined) {
      r.problem(node, path, `"${s}" is not a duration: write a whole number and one unit (s, m, h or d), e.g. 90s, 15m, 1h, 2d`);
      return undefined;
    }
    if (ms === 0 && !opts.allowZero) {
      r.problem(node, path, 'must be longer than zero');
      return undefined;
    }
    return { text: s, ms };
  }

  /** A list of unique ids (incident types, fact names...). */
  private idList(node: Node | null, path: Path, what: string, allowEmpty: boolean, re = ID_RE, words = ID_WORDS): string[] | undefined {
    const r = this.r;
    const items = r.list(node, path);
    if (!items) return undefined;
    if (items.length === 0 && !allowEmpty) {
      r.problem(node, path, 'the list must not be empty');
      return undefined;
    }
    const out: string[] = [];
    let ok = true;
    items.forEach((item, i) => {
      const s = r.pattern(item, [...path, i], re, `${what} (${words})`);
      if (s === undefined) ok = false;
      else if (out.includes(s)) {
        r.problem(item, [...path, i], `"${s}" is listed twice`);
        ok = false;
      } else out.push(s);
    });
    return ok ? out : undefined;
  }

  private textList(node: Node | null, path: Path): string[] | undefined {
    const items = this.r.list(node, path);
    if (!items) return undefined;
    const out = items.map((item, i) => this.r.str(item, [...path, i]));
    return out.every((s): s is string => s !== undefined) ? out : undefined;
  }

  private levelList(node: Node | null, path: Path): Level[] | undefined {
    const r = this.r;
    const items = r.list(node, path, 'a list of levels such as [I, II]');
    if (!items) return undefined;
    if (items.length === 0) {
      r.problem(node, path, 'the list of levels must not be empty (leave "levels" out to run at every level)');
      return undefined;
    }
    const out: Level[] = [];
    let ok = true;
    items.forEach((item, i) => {
      const l = r.word(item, [...path, i], LEVELS, LEVEL_WORDS);
      if (l === undefined) ok = false;
      else if (out.includes(l)) {
        r.problem(item, [...path, i], `level ${l} is listed twice`);
        ok = false;
      } else out.push(l);
    });
    return ok ? out : undefined;
  }

  // ---- roles and references ----

  private roles(f: Field): Record<string, RoleDef> | undefined {
    const r = this.r;
    const map = r.map(f.value, f.path, 'a map of roles, e.g. dba: { team: dba }');
    if (!map) return undefined;
    const out: Record<string, RoleDef> = {};
    let ok = true;
    for (const pair of map.items) {
      const key = pair.key as Node | null;
      const name = r.kind(key) === 'text' ? String((key as unknown as { value: string }).value) : undefined;
      if (name === undefined) {
        r.problem(key ?? map, f.path, `role names must be text, found ${r.found(key)}`);
        ok = false;
        continue;
      }
      const path = [...f.path, name];
      if (name === 'owner-lead') {
        r.problem(key, path, '"owner-lead" is built in (the lead of the step owner\'s team) and cannot be declared');
        ok = false;
        continue;
      }
      if (!ID_RE.test(name)) {
        r.problem(key, path, `"${name}" is not a role name: use ${ID_WORDS.replace('restore-invoices', 'tax-sync')}`);
        ok = false;
        continue;
      }
      this.roleNames.add(name);
      const fields = r.fields((pair.value as Node | null) ?? null, path, { allowed: ['team', 'role'], required: ['team'], what: 'a role: { team: NAME } or { team: NAME, role: ROLE }' }, key);
      if (!fields) {
        ok = false;
        continue;
      }
      const team = fields.get('team');
      const teamName = team ? r.pattern(team.value, team.path, ID_RE, `a team name (${ID_WORDS.replace('restore-invoices', 'it-ops')})`) : undefined;
      const role = fields.get('role');
      const roleInTeam = role ? r.pattern(role.value, role.path, ID_RE, `a role within the team (${ID_WORDS.replace('restore-invoices', 'commander')})`) : undefined;
      if (teamName === undefined || (role && roleInTeam === undefined)) ok = false;
      else out[name] = roleInTeam === undefined ? { team: teamName } : { team: teamName, role: roleInTeam };
    }
    return ok ? out : undefined;
  }

  /** A role reference: a declared role or a built-in. */
  private roleRef(node: Node | null, path: Path, opts: { ownerLead: 'ok' | 'no-owner' | 'never' }): string | undefined {
    const r = this.r;
    const name = r.str(node, path, 'a role name');
    if (name === undefined) return undefined;
    if (this.roleNames.has(name)) return name;
    if ((BUILT_IN_ROLES as readonly string[]).includes(name)) {
      if (name !== 'owner-lead' || opts.ownerLead === 'ok') return name;
      r.problem(
        node,
        path,
        opts.ownerLead === 'no-owner'
          ? '"owner-lead" is the lead of this step\'s owner team, but this step has no owner'
          : '"owner-lead" means the lead of a step owner\'s team and cannot be used here; name a role',
      );
      return undefined;
    }
    const known = [...this.roleNames, ...BUILT_IN_ROLES.filter((b) => !this.roleNames.has(b))];
    const s = didYouMean(name, known);
    r.problem(
      node,
      path,
      s !== undefined
        ? `unknown role "${name}" (did you mean "${s}"?)`
        : `unknown role "${name}": declare it under "roles" or use ${listWords(known)}`,
    );
    return undefined;
  }

  private stepRef(node: Node | null, path: Path): string | undefined {
    const r = this.r;
    const name = r.str(node, path, 'a step id');
    if (name === undefined) {
      this.refsOk = false;
      return undefined;
    }
    if (this.stepIds.has(name)) return name;
    this.refsOk = false;
    const s = didYouMean(name, this.stepIds.keys());
    r.problem(node, path, `unknown step "${name}"${s !== undefined ? ` (did you mean "${s}"?)` : '; no step has this id'}`);
    return undefined;
  }

  private stepRefs(node: Node | null, path: Path, self?: string): string[] | undefined {
    const r = this.r;
    const items = r.list(node, path, 'a list of step ids');
    if (!items) {
      this.refsOk = false;
      return undefined;
    }
    const out: string[] = [];
    let ok = true;
    items.forEach((item, i) => {
      const id = this.stepRef(item, [...path, i]);
      if (id === undefined) ok = false;
      else if (id === self) {
        r.problem(item, [...path, i], `a step cannot wait for itself ("${id}")`);
        this.refsOk = false;
        ok = false;
      } else if (out.includes(id)) {
        r.problem(item, [...path, i], `"${id}" is listed twice`);
        ok = false;
      } else out.push(id);
    });
    return ok ? out : undefined;
  }

  // ---- levels and conditions ----

  private levelRules(f: Field): LevelRule[] | undefined {
    const r = this.r;
    const items = r.list(f.value, f.path, 'a list of level rules, e.g. - { level: IV, when: { always: true } }');
    if (!items) {
      this.rulesOk = false;
      return undefined;
    }
    if (items.length === 0) {
      r.problem(f.value, f.path, 'a plan needs at least one level rule; the last one is { level: IV, when: { always: true } } or similar');
      this.rulesOk = false;
      return undefined;
    }
    const rules: Array<LevelRule | undefined> = items.map((item, i) => {
      const path = ['levels', i];
      const fields = r.fields(item, path, { allowed: ['level', 'when'], required: ['level', 'when'], what: 'a level rule: { level: II, when: CONDITION }' });
      if (!fields) return undefined;
      const lf = fields.get('level');
      const level = lf ? r.word(lf.value, lf.path, LEVELS, LEVEL_WORDS) : undefined;
      const wf = fields.get('when');
      const when = wf ? this.condition(wf.value, wf.path, 0) : undefined;
      return level && when ? { level, when } : undefined;
    });
    if (!rules.every((x): x is LevelRule => x !== undefined)) {
      this.rulesOk = false;
      return undefined;
    }
    const isAlways = (c: Condition) => (c as { always?: unknown }).always === true;
    const first = rules.findIndex((rule) => isAlways(rule.when));
    if (first >= 0 && first < rules.length - 1) {
      for (let j = first + 1; j < rules.length; j++) {
        r.problem(items[j], ['levels', j], `this rule can never match: the rule above (levels[${first}]) always matches, and the first match wins`);
      }
      this.rulesOk = false;
    } else if (first < 0) {
      const last = rules.length - 1;
      r.problem(r.nodeAt(['levels', last, 'when']), ['levels', last, 'when'], 'the last rule must be { always: true }, so that every incident gets a level');
      this.rulesOk = false;
    }
    return rules;
  }

  private condition(node: Node | null, path: PathSeg[], depth: number): Condition | undefined {
    const r = this.r;
    if (depth > 32) {
      r.problem(node, path, 'conditions are nested too deeply');
      return undefined;
    }
    const map = r.map(node, path, 'a condition such as { fact: invoicesAffected, gte: 1000 }');
    if (!map) return undefined;
    const keys = map.items.map((p) => (r.kind(p.key as Node) === 'text' ? String((p.key as unknown as { value: string }).value) : undefined));
    const kinds = CONDITION_KINDS.filter((k) => keys.includes(k));
    if (kinds.length === 0) {
      const firstKey = keys.find((k) => k !== undefined && !(COMPARISONS as readonly string[]).includes(k));
      if (keys.length === 0) r.problem(node, path, 'an empty condition; write { fact: NAME, gte: 1 }, { all: [...] }, { any: [...] }, { not: ... } or { always: true }');
      else if (firstKey !== undefined) {
        const s = didYouMean(firstKey, CONDITION_KINDS);
        r.problem(r.descend(node, [firstKey]), [...path, firstKey], `unknown field "${firstKey}"${s ? ` (did you mean "${s}"?)` : ''}; a condition starts with fact, all, any, not or always`);
      } else r.problem(node, path, 'a comparison needs the fact it compares: { fact: NAME, ... }');
      return undefined;
    }
    if (kinds.length > 1) {
      r.problem(node, path, `a condition has one of fact, all, any, not or always, but this one has ${listWords(kinds, 'and')}; combine conditions with all: [...] or any: [...]`);
      return undefined;
    }
    const k = kinds[0];
    if (k === 'fact') return this.factCondition(node, path);
    const fields = r.fields(node, path, { allowed: [k] });
    const f = fields?.get(k);
    if (!fields || !f) return undefined;
    if (fields.size !== map.items.length) return undefined;
    if (k === 'always') {
      const b = r.bool(f.value, f.path);
      if (b === false) r.problem(f.value, f.path, 'always can only be true (a rule that never matches is not needed)');
      return b === true ? { always: true } : undefined;
    }
    if (k === 'not') {
      const c = this.condition(f.value, f.path, depth + 1);
      return c ? { not: c } : undefined;
    }
    const items = r.list(f.value, f.path, `a list of conditions`);
    if (!items) return undefined;
    if (items.length === 0) {
      r.problem(f.value, f.path, `${k} needs at least one condition`);
      return undefined;
    }
    const parts = items.map((item, i) => this.condition(item, [...f.path, i], depth + 1));
    if (!parts.every((p): p is Condition => p !== undefined)) return undefined;
    return k === 'all' ? { all: parts } : { any: parts };
  }

  private factCondition(node: Node | null, path: PathSeg[]): Condition | undefined {
    const r = this.r;
    const fields = r.fields(node, path, { allowed: ['fact', ...COMPARISONS] });
    if (!fields) return undefined;
    const map = r.map(node, path)!;
    if (fields.size !== map.items.length) return undefined;
    const ff = fields.get('fact')!;
    const fact = r.pattern(ff.value, ff.path, FACT_RE, 'a fact name (letters, digits and _, e.g. invoicesAffected)');
    const ops = COMPARISONS.filter((op) => fields.has(op));
    if (ops.length === 0) {
      r.problem(node, path, `a comparison needs one of ${listWords(COMPARISONS)}, e.g. { fact: ${fact ?? 'invoicesAffected'}, gte: 1000 }`);
      return undefined;
    }
    if (ops.length > 1) {
      r.problem(fields.get(ops[1])!.key, [...path, ops[1]], `a comparison has one operator, but this one has ${listWords(ops, 'and')}; combine comparisons with all: [...]`);
      return undefined;
    }
    const op = ops[0];
    const of = fields.get(op)!;
    let value: unknown;
    const k = r.kind(of.value);
    if (op === 'in') {
      const items = r.list(of.value, of.path, 'a list of values');
      if (!items) return undefined;
      if (items.length === 0) {
        r.problem(of.value, of.path, '"in" needs at least one value');
        return undefined;
      }
      const vals = items.map((item, i) => {
        const ik = r.kind(item);
        if (ik !== 'text' && ik !== 'number' && ik !== 'boolean') {
          r.problem(item, [...of.path, i], `expected text, a number or true/false, found ${r.found(item)}`);
          return undefined;
        }
        return { v: r.plain(item, [...of.path, i]), k: ik, item, i };
      });
      if (!vals.every((x) => x !== undefined && x.v !== undefined)) return undefined;
      const mixed = vals.find((x) => x!.k !== vals[0]!.k);
      if (mixed) {
        r.problem(mixed.item, [...of.path, mixed.i], `all values of "in" must be of one kind (the first is ${vals[0]!.k === 'text' ? 'text' : `a ${vals[0]!.k}`})`);
        return undefined;
      }
      value = vals.map((x) => x!.v);
    } else if (op === 'eq' || op === 'ne') {
      if (k !== 'text' && k !== 'number' && k !== 'boolean') {
        r.problem(of.value, of.path, `expected text, a number or true/false to compare with, found ${r.found(of.value)}`);
        return undefined;
      }
      value = r.plain(of.value, of.path);
      if (value === undefined) return undefined;
    } else {
      if (k !== 'number' || !Number.isFinite(r.plain(of.value, of.path))) {
        r.problem(of.value, of.path, `"${op}" compares numbers, found ${r.found(of.value)}`);
        return undefined;
      }
      value = r.plain(of.value, of.path);
    }
    if (fact === undefined) return undefined;
    const cond = { fact, [op]: value } as Condition;
    const kind = operandKind(cond as Extract<Condition, { fact: string }>);
    const seen = this.factKinds.get(fact);
    if (kind && seen && seen.kind !== kind) {
      r.problem(of.value, of.path, `fact "${fact}" is compared with ${kind === 'text' ? 'text' : `a ${kind}`} here but with ${seen.kind === 'text' ? 'text' : `a ${seen.kind}`} at ${formatPath(seen.path)}; a fact has one kind`);
      return undefined;
    }
    if (kind && !seen) this.factKinds.set(fact, { kind, path: of.path });
    return cond;
  }

  // ---- steps ----

  private collectStepIds(nodes: Array<Node | null>): void {
    const r = this.r;
    nodes.forEach((n, i) => {
      const node = r.deref(n);
      const map = node && r.kind(node) === 'map' ? (node as unknown as { items: Array<{ key: Node; value: Node | null }> }) : undefined;
      const idPair = map?.items.find((p) => r.kind(p.key) === 'text' && (p.key as unknown as { value: string }).value === 'id');
      const typePair = map?.items.find((p) => r.kind(p.key) === 'text' && (p.key as unknown as { value: string }).value === 'type');
      if (idPair && r.kind(idPair.value) === 'text') {
        const id = String((r.deref(idPair.value) as unknown as { value: string }).value);
        if (!this.stepIds.has(id)) {
          this.stepIds.set(id, i);
          this.stepTypes.set(id, typePair && r.kind(typePair.value) === 'text' ? String((r.deref(typePair.value) as unknown as { value: string }).value) : undefined);
        }
      }
    });
  }

  private step(node: Node | null, path: PathSeg[]): Step | undefined {
    const r = this.r;
    const map = r.map(node, path, 'a step (a map with id, type, owner...)');
    if (!map) return undefined;
    const typeNode = r.descend(node, ['type']);
    const hasType = map.items.some((p) => r.kind(p.key as Node) === 'text' && (p.key as unknown as { value: string }).value === 'type');
    const type = hasType ? r.word(typeNode, [...path, 'type'], STEP_TYPES, `a step type: ${listWords(STEP_TYPES)}`) : undefined;
    const fields = r.fields(node, path, {
      allowed: type ? STEP_FIELDS[type] : ALL_STEP_FIELDS,
      required: type ? STEP_REQUIRED[type] : ['id', 'type'],
      requiredHint: (name) => (type ? (STEP_NEEDS[name] ?? '').replace('TYPE', type) : ''),
      unknownHint: (name) => {
        if (!type || !ALL_STEP_FIELDS.includes(name)) return undefined;
        const owners = STEP_TYPES.filter((t) => STEP_FIELDS[t].includes(name));
        return `"${name}" is not used by ${type} steps (it belongs to ${owners.join(' and ')} steps)`;
      },
    });
    if (!fields) return undefined;
    const get = (n: string) => fields.get(n);
    let ok = type !== undefined;

    const idf = get('id');
    let id: string | undefined;
    if (idf) {
      id = r.pattern(idf.value, idf.path, ID_RE, `a step id: ${ID_WORDS}`);
      if (id !== undefined && this.stepIds.get(id) !== path[1]) {
        r.problem(idf.value, idf.path, `step id "${id}" is already used by steps[${this.stepIds.get(id)}]; step ids must be unique`);
        this.refsOk = false;
        id = undefined;
      }
      if (id === undefined) this.refsOk = false;
    }
    const step: Partial<Step> & Record<string, unknown> = { id, type };
    const tf = get('title');
    if (tf) step.title = this.text(tf);
    const of = get('owner');
    if (of) step.owner = this.roleRef(of.value, of.path, { ownerLead: 'never' });
    const af = get('after');
    if (af) step.after = this.stepRefs(af.value, af.path, id);
    const lf = get('levels');
    if (lf) step.levels = this.levelList(lf.value, lf.path);
    const wf = get('within');
    if (wf) {
      const d = this.duration(wf.value, wf.path, { allowZero: false });
      if (d) {
        step.within = d.text;
        step.withinMs = d.ms;
      } else ok = false;
    }
    // `action` before `with`, whatever order they are written in.
    for (const name of ['checklist', 'provides', 'action', 'with', 'to', 'channels', 'message', 'options']) {
      const f = get(name);
      if (f) step[name] = this.stepField(name, f, step, id, fields.has('owner'));
    }
    for (const name of fields.keys()) if (step[name] === undefined && name !== 'type') ok = false;
    const action = step.action;
    if (type === 'automated' && typeof action === 'string' && isActionName(action) && !fields.has('with')) {
      const required = Object.entries(ACTIONS[action].params).filter(([, p]) => p.required);
      if (required.length > 0) {
        const af2 = get('action')!;
        r.problem(af2.value, af2.path, `${action} needs "with" giving ${required.map(([n, p]) => `${n} (${p.description})`).join(', ')}`);
        ok = false;
      }
    }
    if (!ok || id === undefined) return undefined;
    for (const k of Object.keys(step)) if (step[k] === undefined) delete step[k];
    return step as Step;
  }

  private stepField(name: string, f: Field, step: Partial<Step>, id: string | undefined, hasOwner: boolean): unknown {
    const r = this.r;
    switch (name) {
      case 'checklist': {
        const items = this.textList(f.value, f.path);
        if (items && items.length === 0) r.problem(f.value, f.path, 'the checklist is empty; leave it out or add items');
        return items && items.length > 0 ? items : undefined;
      }
      case 'provides':
        return this.idList(f.value, f.path, 'a fact name', false, FACT_RE, 'letters, digits and _, e.g. corruptionStartedAt');
      case 'action': {
        const s = r.str(f.value, f.path, 'an action name');
        if (s === undefined) return undefined;
        if (isActionName(s)) return s;
        const sug = didYouMean(s, ACTION_NAMES);
        r.problem(f.value, f.path, `unknown action "${s}"${sug ? ` (did you mean "${sug}"?)` : `; v1 actions are ${ACTION_NAMES.join(', ')}`}`);
        return undefined;
      }
      case 'with':
        return this.actionParams(f, (step as Partial<AutomatedStep>).action, id);
      case 'to': {
        const items = r.list(f.value, f.path, 'a list of roles');
        if (!items) return undefined;
        if (items.length === 0) {
          r.problem(f.value, f.path, 'a notify step needs at least one role to tell');
          return undefined;
        }
        const out = items.map((item, i) => this.roleRef(item, [...f.path, i], { ownerLead: hasOwner ? 'ok' : 'no-owner' }));
        return out.every((x): x is string => x !== undefined) ? out : undefined;
      }
      case 'channels': {
        return this.channelList(f, 'a notify step needs at least one channel');
      }
      case 'message': {
        const s = this.text(f);
        return s !== undefined && this.checkPlaceholders(s, f) ? s : undefined;
      }
      case 'options':
        return this.options(f, id);
      default:
        return undefined;
    }
  }

  private checkPlaceholders(message: string, f: Field): boolean {
    const names = [...message.replace(/\{\{|\}\}/g, '').matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
    for (const name of names) {
      if ((MESSAGE_PLACEHOLDERS as readonly string[]).includes(name)) continue;
      if (/^fact\.[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      const s = didYouMean(name, MESSAGE_PLACEHOLDERS);
      this.r.problemInside(
        f.value,
        `{${name}}`,
        f.path,
        `unknown placeholder {${name}}${s ? ` (did you mean {${s}}?)` : ''}; messages can use ${MESSAGE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')} and {fact.NAME}`,
      );
      return false;
    }
    return true;
  }

  private actionParams(f: Field, action: string | undefined, stepId: string | undefined): Record<string, unknown> | undefined {
    const r = this.r;
    if (action === undefined || !isActionName(action)) {
      // The action is missing or unknown (reported there); still read the values for ${NAME} problems.
      const v = r.plain(f.value, f.path);
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    }
    const def = ACTIONS[action];
    const names = Object.keys(def.params);
    const fields = r.fields(f.value, f.path, {
      allowed: names,
      required: names.filter((n) => def.params[n].required),
      what: `the parameters of ${action} (${names.join(', ')})`,
      requiredHint: (n) => ` (${action} needs ${n}: ${def.params[n].description})`,
      unknownHint: (n) => {
        const s = didYouMean(n, names);
        return `${action} has no parameter "${n}"${s ? ` (did you mean "${s}"?)` : `; its parameters are ${names.join(', ')}`}`;
      },
    });
    if (!fields) return undefined;
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [name, pf] of fields) {
      const before = r.problems.length;
      const value = r.plain(pf.value, pf.path);
      if (r.problems.length > before) {
        ok = false;
        continue;
      }
      const issues = def.params[name].check(value);
      for (const issue of issues) r.problem(r.descend(pf.value, issue.path), [...pf.path, ...issue.path], issue.message);
      if (issues.length > 0) ok = false;
      else {
        out[name] = value;
        this.collectFactRefs(value, pf.value, pf.path, stepId);
      }
    }
    if (ok && def.checkAll) {
      for (const issue of def.checkAll(out)) {
        r.problem(r.descend(f.value, issue.path), [...f.path, ...issue.path], issue.message);
        ok = false;
      }
    }
    return ok ? out : undefined;
  }

  private collectFactRefs(value: unknown, node: Node | null, path: PathSeg[], stepId: string | undefined): void {
    if (stepId === undefined || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => this.collectFactRefs(v, this.r.descend(node, [i]), [...path, i], stepId));
      return;
    }
    const rec = value as Record<string, unknown>;
    if (typeof rec.fact === 'string' && Object.keys(rec).length === 1) {
      this.factRefs.push({ step: stepId, fact: rec.fact, node: this.r.descend(node, ['fact']), path: [...path, 'fact'] });
      return;
    }
    for (const [k, v] of Object.entries(rec)) this.collectFactRefs(v, this.r.descend(node, [k]), [...path, k], stepId);
  }

  /** `{ fact: NAME }` in action parameters must be provided by a step that this step waits for. */
  private checkFactRefs(steps: Step[]): void {
    if (this.factRefs.length === 0) return;
    const g = planGraph({ steps });
    const ancestors = (id: string): Set<string> => {
      const seen = new Set<string>();
      const stack = [...(g.predecessors[id] ?? [])];
      while (stack.length > 0) {
        const s = stack.pop()!;
        if (seen.has(s)) continue;
        seen.add(s);
        stack.push(...(g.predecessors[s] ?? []));
      }
      return seen;
    };
    const providers = (fact: string) => steps.filter((s) => s.type === 'manual' && (s.provides ?? []).includes(fact)).map((s) => s.id);
    for (const ref of this.factRefs) {
      const before = ancestors(ref.step);
      const by = providers(ref.fact);
      if (by.some((p) => before.has(p))) continue;
      const provided = steps.flatMap((s) => (s.type === 'manual' ? (s.provides ?? []) : []));
      this.r.problem(
        ref.node,
        ref.path,
        by.length > 0
          ? `fact "${ref.fact}" is provided by ${by.map((b) => `"${b}"`).join(', ')}, which step "${ref.step}" does not wait for; add it to "after"`
          : `no step provides fact "${ref.fact}"${suggestion(ref.fact, provided)}; a manual step before this one should list it under "provides"`,
      );
    }
  }

  private options(f: Field, stepId: string | undefined): DecisionOption[] | undefined {
    const r = this.r;
    const items = r.list(f.value, f.path, 'a list of options, e.g. - { id: failover, next: [failover-standby] }');
    if (!items) {
      this.refsOk = false;
      return undefined;
    }
    if (items.length < 2) {
      r.problem(f.value, f.path, `a decision needs at least two options, found ${items.length}`);
      return undefined;
    }
    const out: DecisionOption[] = [];
    let ok = true;
    items.forEach((item, j) => {
      const path = [...f.path, j];
      const fields = r.fields(item, path, { allowed: ['id', 'title', 'next'], required: ['id', 'next'], what: 'an option: { id: NAME, next: [STEP, ...] }' });
      if (!fields) {
        ok = false;
        this.refsOk = false;
        return;
      }
      const idf = fields.get('id');
      let id = idf ? r.pattern(idf.value, idf.path, ID_RE, `an option id: ${ID_WORDS.replace('restore-invoices', 'fail-over')}`) : undefined;
      if (id !== undefined && out.some((o) => o.id === id)) {
        r.problem(idf!.value, idf!.path, `option id "${id}" is used twice in this decision`);
        id = undefined;
      }
      const tf = fields.get('title');
      const title = tf ? this.text(tf) : undefined;
      const nf = fields.get('next');
      const next = nf ? this.stepRefs(nf.value, nf.path, stepId) : undefined;
      if (id === undefined || next === undefined || (tf && title === undefined)) {
        ok = false;
        if (next === undefined) this.refsOk = false;
        return;
      }
      out.push(title === undefined ? { id, next } : { id, title, next });
    });
    return ok ? out : undefined;
  }

  // ---- other sections ----

  private objectives(f: Field, possible: Level[] | undefined): Plan['objectives'] | undefined {
    const r = this.r;
    const fields = r.fields(f.value, f.path, { allowed: ['rto', 'rpo'], what: 'objectives: { rto: 4h, rpo: 15m }' });
    if (!fields) return undefined;
    const out: NonNullable<Plan['objectives']> = {};
    let ok = true;
    const rto = fields.get('rto');
    if (rto) {
      if (r.kind(rto.value) === 'map') {
        const before = r.problems.length;
        const per = r.fields(rto.value, rto.path, {
          allowed: LEVELS,
          unknownHint: (n) => `"${n}" is not a level${suggestion(n, LEVELS)}; give rto per level as { I: 30m, II: 1h, III: 4h, IV: 1d }`,
        });
        const text: Partial<Record<Level, string>> = {};
        const ms: Partial<Record<Level, number>> = {};
        if (!per || r.problems.length > before) ok = false;
        if (per) {
          for (const [name, lf] of per) {
            const d = this.duration(lf.value, lf.path, { allowZero: false });
            if (d) {
              text[name as Level] = d.text;
              ms[name as Level] = d.ms;
            } else ok = false;
          }
          const missing = (possible ?? []).filter((l) => !per.has(l));
          if (ok && missing.length > 0) {
            r.problem(rto.value, rto.path, `no rto for level${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, which the level rules can give`);
            ok = false;
          }
        }
        if (ok) {
          out.rto = text;
          out.rtoMs = ms;
        }
      } else if (r.kind(rto.value) === 'text' || r.kind(rto.value) === 'number') {
        const d = this.duration(rto.value, rto.path, { allowZero: false });
        if (d) {
          out.rto = d.text;
          out.rtoMs = d.ms;
        } else ok = false;
      } else {
        r.problem(rto.value, rto.path, `expected a duration such as 4h, or one per level such as { I: 30m, II: 1h, III: 4h, IV: 1d }, found ${r.found(rto.value)}`);
        ok = false;
      }
    }
    const rpo = fields.get('rpo');
    if (rpo) {
      const d = this.duration(rpo.value, rpo.path, { allowZero: true });
      if (d) {
        out.rpo = d.text;
        out.rpoMs = d.ms;
      } else ok = false;
    }
    return ok ? out : undefined;
  }

  private escalation(f: Field): EscalationRule[] | undefined {
    const r = this.r;
    const items = r.list(f.value, f.path, 'a list of escalation rules, e.g. - { after: 10m, notify: [commander] }');
    if (!items) return undefined;
    const out: EscalationRule[] = [];
    let ok = true;
    const what = 'an escalation rule: { after: 10m, notify: [commander] } (overdue) or { unacknowledged: 5m, notify: [owner-lead] } (silence)';
    items.forEach((item, i) => {
      const path = ['escalation', i];
      const fields = r.fields(item, path, { allowed: ['after', 'unacknowledged', 'notify', 'channels'], required: ['notify'], what });
      if (!fields) {
        ok = false;
        return;
      }
      const af = fields.get('after');
      const uf = fields.get('unacknowledged');
      if (Boolean(af) === Boolean(uf)) {
        r.problem(item, path, af ? 'a rule is either overdue (after) or silence (unacknowledged), not both: make two rules' : `${what} needs "after" or "unacknowledged"`);
        ok = false;
        return;
      }
      const when = af ?? uf!;
      const d = this.duration(when.value, when.path, { allowZero: Boolean(af) });
      const nf = fields.get('notify');
      const notify = nf ? this.roleList(nf, 'ok') : undefined;
      const cf = fields.get('channels');
      const channels = cf ? this.channelList(cf) : undefined;
      if (!d || !notify || (cf && !channels)) {
        ok = false;
        return;
      }
      const kind = af ? 'after' : 'unacknowledged';
      const prev = [...out].reverse().find((e) => e[kind] !== undefined);
      const prevMs = prev ? (af ? prev.afterMs : prev.unacknowledgedMs) : undefined;
      if (prev && prevMs !== undefined && d.ms < prevMs) {
        r.problem(when.value, when.path, `escalation rules go from the earliest to the latest: ${d.text} comes before the ${prev[kind]} of the rule above`);
        ok = false;
        return;
      }
      const extra = channels ? { channels } : {};
      out.push(af ? { after: d.text, afterMs: d.ms, notify, ...extra } : { unacknowledged: d.text, unacknowledgedMs: d.ms, notify, ...extra });
    });
    return ok ? out : undefined;
  }

  /** A non-empty list of known channel names, each once. */
  private channelList(f: Field, whenEmpty = 'name at least one channel'): string[] | undefined {
    const r = this.r;
    const items = r.list(f.value, f.path, `a list of channels (${CHANNELS.join(', ')})`);
    if (!items) return undefined;
    if (items.length === 0) {
      r.problem(f.value, f.path, whenEmpty);
      return undefined;
    }
    const out: string[] = [];
    let ok = true;
    items.forEach((item, i) => {
      const c = r.word(item, [...f.path, i], CHANNELS, `a channel: ${listWords(CHANNELS)}`);
      if (c === undefined) ok = false;
      else if (out.includes(c)) {
        r.problem(item, [...f.path, i], `"${c}" is listed twice`);
        ok = false;
      } else out.push(c);
    });
    return ok ? out : undefined;
  }

  private roleList(f: Field, ownerLead: 'ok' | 'never'): string[] | undefined {
    const r = this.r;
    const items = r.list(f.value, f.path, 'a list of roles');
    if (!items) return undefined;
    if (items.length === 0) {
      r.problem(f.value, f.path, 'the list of roles must not be empty');
      return undefined;
    }
    const out = items.map((item, i) => this.roleRef(item, [...f.path, i], { ownerLead }));
    return out.every((x): x is string => x !== undefined) ? out : undefined;
  }

  private notify(f: Field): Plan['notify'] | undefined {
    const r = this.r;
    const fields = r.fields(f.value, f.path, { allowed: ['channels', 'onStages'], what: 'notify settings: { channels: {...}, onStages: [...] }' });
    if (!fields) return undefined;
    const out: NonNullable<Plan['notify']> = {};
    let ok = true;
    const cf = fields.get('channels');
    if (cf) {
      const channels = r.fields(cf.value, cf.path, {
        allowed: CHANNELS,
        unknownHint: (n) => `unknown channel "${n}"${suggestion(n, CHANNELS)}; channels are ${CHANNELS.join(', ')}`,
      });
      if (!channels) ok = false;
      else {
        const config: Record<string, Record<string, unknown>> = {};
        for (const [name, ch] of channels) {
          const c = this.channelConfig(name, ch);
          if (c) config[name] = c;
          else ok = false;
        }
        out.channels = config;
      }
    }
    const sf = fields.get('onStages');
    if (sf) {
      const items = r.list(sf.value, sf.path, `a list of stages (${NOTIFY_STAGES.join(', ')})`);
      if (!items) ok = false;
      else {
        const stages: string[] = [];
        items.forEach((item, i) => {
          const s = r.word(item, [...sf.path, i], NOTIFY_STAGES, `a stage: ${listWords(NOTIFY_STAGES)}`);
          if (s === undefined) ok = false;
          else if (stages.includes(s)) {
            r.problem(item, [...sf.path, i], `"${s}" is listed twice`);
            ok = false;
          } else stages.push(s);
        });
        out.onStages = stages;
      }
    }
    return ok ? out : undefined;
  }

  private channelConfig(name: string, f: Field): Record<string, unknown> | undefined {
    const r = this.r;
    if ((ADDRESS_CHANNELS as readonly string[]).includes(name)) {
      const what = name === 'email' ? 'an email address' : 'a phone number such as +86 10 5555 0100';
      const re = name === 'email' ? EMAIL_RE : PHONE_RE;
      const fields = r.fields(f.value, f.path, { allowed: ['to'], required: ['to'], what: `${name} settings: { to: { ROLE: ADDRESS } }` });
      const tf = fields?.get('to');
      if (!fields || !tf) return undefined;
      const map = r.map(tf.value, tf.path, `a map from roles to addresses, e.g. { commander: ops-oncall@example.com }`);
      if (!map) return undefined;
      const to: Record<string, string | string[]> = {};
      let ok = true;
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        const role = this.roleRef(key, tf.path, { ownerLead: 'never' });
        if (role === undefined) {
          ok = false;
          continue;
        }
        const path = [...tf.path, role];
        const value = (pair.value as Node | null) ?? null;
        if (r.kind(value) === 'list') {
          const items = r.list(value, path)!;
          const addrs = items.map((item, i) => r.pattern(item, [...path, i], re, what));
          if (addrs.length === 0) r.problem(value, path, 'the list of addresses must not be empty');
          if (addrs.length > 0 && addrs.every((a): a is string => a !== undefined)) to[role] = addrs;
          else ok = false;
        } else {
          const a = r.pattern(value, path, re, what, key);
          if (a === undefined) ok = false;
          else to[role] = a;
        }
      }
      return ok ? { to } : undefined;
    }
    const allowed = name === 'webhook' ? ['url', 'format', 'secretEnv'] : SIGNING_ROBOTS.includes(name) ? ['url', 'secretEnv'] : ['url'];
    const fields = r.fields(f.value, f.path, { allowed, required: ['url'], what: `${name} settings: { url: https://... }` });
    if (!fields) return undefined;
    const uf = fields.get('url');
    const url = uf ? r.pattern(uf.value, uf.path, URL_RE, 'an http:// or https:// address') : undefined;
    const ff = fields.get('format');
    const format = ff ? r.word(ff.value, ff.path, WEBHOOK_FORMATS, `a webhook format: ${listWords(WEBHOOK_FORMATS)}`) : undefined;
    const sf = fields.get('secretEnv');
    const secretEnv = sf ? this.secretEnv(sf, name === 'webhook' ? format : name) : undefined;
    if (url === undefined || (ff && format === undefined) || (sf && secretEnv === undefined)) return undefined;
    return { url, ...(format === undefined ? {} : { format }), ...(secretEnv === undefined ? {} : { secretEnv }) };
  }

  /**
   * A signing robot's `secretEnv`: the name of the worker's variable holding the secret, read at
   * send time, so the secret never enters the published plan. Never substituted, never echoed.
   */
  private secretEnv(f: Field, robot: string | undefined): string | undefined {
    const r = this.r;
    const node = r.deref(f.value);
    const example = `e.g. secretEnv: ${PLAN_VARIABLE_PREFIX}DINGTALK_SECRET`;
    if (!robot || !SIGNING_ROBOTS.includes(robot)) {
      r.problem(f.value, f.path, `only dingtalk and feishu robots sign with a secret (format: dingtalk or feishu)`);
      return undefined;
    }
    const raw = node && 'value' in node && typeof node.value === 'string' ? node.value : undefined;
    if (raw?.includes('${')) {
      r.problem(f.value, f.path, `name the variable without \${ }, ${example}: the secret itself never goes into the plan`);
      return undefined;
    }
    if (raw === undefined || !isPlanVariableName(raw)) {
      r.problem(f.value, f.path, `expected the name of a ${PLAN_VARIABLE_PREFIX}* variable holding the robot's secret, ${example} (never the secret itself)`);
      return undefined;
    }
    return raw;
  }

  private review(f: Field): Plan['review'] | undefined {
    const r = this.r;
    const fields = r.fields(f.value, f.path, { allowed: ['owner', 'within'], required: ['owner'], what: 'review settings: { owner: commander, within: 72h }' });
    if (!fields) return undefined;
    const of = fields.get('owner');
    const owner = of ? this.roleRef(of.value, of.path, { ownerLead: 'never' }) : undefined;
    const wf = fields.get('within');
    const within = wf ? this.duration(wf.value, wf.path, { allowZero: false }) : undefined;
    if (owner === undefined || (wf && !within)) return undefined;
    return within ? { owner, within: within.text, withinMs: within.ms } : { owner };
  }

  private drill(f: Field, plan: Partial<Plan>): Plan['drill'] | undefined {
    const r = this.r;
    const fields = r.fields(f.value, f.path, { allowed: ['description', 'facts', 'faults', 'expect'], what: 'a drill: { facts: {...}, faults: [...], expect: [...] }' });
    if (!fields) return undefined;
    const out: NonNullable<Plan['drill']> = {};
    let ok = true;
    const df = fields.get('description');
    if (df) {
      out.description = this.text(df);
      if (out.description === undefined) ok = false;
    }
    const ff = fields.get('facts');
    if (ff) {
      const facts = this.drillFacts(ff);
      if (facts) out.facts = this.drillFactsValue = facts;
      else ok = this.drillFactsOk = false;
    }
    const fl = fields.get('faults');
    if (fl) {
      const faults = this.faults(fl);
      if (faults) out.faults = faults;
      else ok = false;
    }
    const ef = fields.get('expect');
    if (ef) {
      const expect = this.expectations(ef, plan);
      if (expect) out.expect = expect;
      else ok = false;
    }
    return ok ? out : undefined;
  }

  /** The fact a map key names, or undefined once the reason it is not one is reported. */
  private factName(key: Node | null, map: YAMLMap<unknown, unknown>, path: Path): string | undefined {
    const r = this.r;
    const name = r.kind(key) === 'text' ? String((key as unknown as { value: string }).value) : undefined;
    if (name !== undefined && FACT_RE.test(name)) return name;
    r.problem(key ?? map, name ? [...path, name] : path, name ? `"${name}" is not a fact name: use letters, digits and _` : `fact names must be text, found ${r.found(key)}`);
    return undefined;
  }

  /**
   * A map keyed by fact names (`drill.facts`, the plan's `facts`): each entry read by `read`, which
   * reports its own problems and answers undefined for them. Undefined when any entry failed.
   */
  private factMap<T>(f: Field, what: string, read: (name: string, key: Node | null, value: Node | null, path: Path) => T | undefined): Record<string, T> | undefined {
    const map = this.r.map(f.value, f.path, what);
    if (!map) return undefined;
    const out: Record<string, T> = {};
    let ok = true;
    for (const pair of map.items) {
      const key = pair.key as Node | null;
      const name = this.factName(key, map, f.path);
      const v = name === undefined ? undefined : read(name, key, (pair.value as Node | null) ?? null, [...f.path, name]);
      if (name === undefined || v === undefined) ok = false;
      else out[name] = v;
    }
    return ok ? out : undefined;
  }

  private drillFacts(f: Field): Record<string, unknown> | undefined {
    const r = this.r;
    return this.factMap<unknown>(f, 'a map of facts, e.g. { invoicesAffected: 25000 }', (name, key, value, path) => {
      const k = r.kind(value);
      if (k !== 'text' && k !== 'number' && k !== 'boolean') {
        r.problem(value, path, `a fact is text, a number or true/false, found ${r.found(value)}`, key);
        return undefined;
      }
      return r.plain(value, path);
    });
  }

  private faults(f: Field): Array<Record<string, unknown>> | undefined {
    const r = this.r;
    const items = r.list(f.value, f.path, 'a list of faults, e.g. - { kind: drop-table, target: invoices }');
    if (!items) return undefined;
    const kinds = Object.keys(FAULTS);
    const out: Array<Record<string, unknown>> = [];
    let ok = true;
    items.forEach((item, i) => {
      const path = [...f.path, i];
      const kindNode = r.descend(item, ['kind']);
      const map = r.map(item, path, 'a fault: { kind: KIND, ... }');
      if (!map) {
        ok = false;
        return;
      }
      const hasKind = map.items.some((p) => r.kind(p.key as Node) === 'text' && (p.key as unknown as { value: string }).value === 'kind');
      const kind = hasKind ? r.word(kindNode, [...path, 'kind'], kinds, `a fault kind: ${kinds.join(', ')}`) : undefined;
      const def = kind ? FAULTS[kind] : undefined;
      if (hasKind && !def) {
        ok = false;
        return;
      }
      const fields = r.fields(item, path, {
        allowed: def ? ['kind', ...Object.keys(def.params)] : ['kind'],
        required: def ? ['kind', ...def.required] : ['kind'],
        requiredHint: (n) => (kind ? ` (${kind} needs ${n})` : ''),
        unknownHint: (n) => (def ? `${kind} has no setting "${n}"${suggestion(n, Object.keys(def.params))}; its settings are ${Object.keys(def.params).join(', ') || 'none'}` : undefined),
      });
      if (!fields || !def || !kind) {
        ok = false;
        return;
      }
      const fault: Record<string, unknown> = { kind };
      for (const [name, pf] of fields) {
        if (name === 'kind') continue;
        const type = def.params[name];
        const words = def.words?.[name];
        if (type === 'text') fault[name] = words ? r.word(pf.value, pf.path, words, `a ${name} of ${kind}: ${words.join(', ')}`) : r.str(pf.value, pf.path);
        else if (type === 'count') fault[name] = r.int(pf.value, pf.path, 1);
        else if (type === 'duration') {
          const d = this.duration(pf.value, pf.path, { allowZero: false });
          if (d) {
            fault[name] = d.text;
            fault[`${name}Ms`] = d.ms;
          }
        } else {
          const v = r.plain(pf.value, pf.path);
          if (typeof v === 'number' && v > 0 && v <= 1) fault[name] = v;
          else r.problem(pf.value, pf.path, `expected a share between 0 and 1 (e.g. 0.05 for 5%), found ${r.found(pf.value)}`);
        }
        if (fault[name] === undefined) ok = false;
      }
      out.push(fault);
    });
    return ok ? out : undefined;
  }

  private expectations(f: Field, plan: Partial<Plan>): Array<Record<string, unknown>> | undefined {
    const r = this.r;
    const items = r.list(f.value, f.path, 'a list of expectations, e.g. - { step: restore-invoices, within: 20m }');
    if (!items) return undefined;
    const kinds = Object.keys(EXPECT_KINDS);
    const out: Array<Record<string, unknown>> = [];
    let ok = true;
    items.forEach((item, i) => {
      const path = [...f.path, i];
      const map = r.map(item, path, `an expectation naming one of ${kinds.join(', ')}`);
      if (!map) {
        ok = false;
        return;
      }
      const keys = map.items.map((p) => (r.kind(p.key as Node) === 'text' ? String((p.key as unknown as { value: string }).value) : ''));
      const found = kinds.filter((k) => keys.includes(k));
      if (found.length !== 1) {
        const odd = keys.find((k) => k !== 'within' && k !== 'option' && !kinds.includes(k));
        if (found.length === 0 && odd !== undefined) {
          const s = didYouMean(odd, kinds);
          const oddKey = map.items.find((p) => r.kind(p.key as Node) === 'text' && (p.key as unknown as { value: string }).value === odd)?.key as Node | undefined;
          r.problem(oddKey ?? map, [...path, odd], `unknown field "${odd}"${s ? ` (did you mean "${s}"?)` : ''}; an expectation names one of ${kinds.join(', ')}`);
        } else {
          r.problem(item, path, found.length === 0 ? `an expectation names one of ${kinds.join(', ')}` : `an expectation checks one thing, but this one names ${listWords(found, 'and')}; split it in two`);
        }
        ok = false;
        return;
      }
      const kind = found[0];
      const spec = EXPECT_KINDS[kind];
      const fields = r.fields(item, path, { allowed: spec.fields, required: spec.required, requiredHint: (n) => ` (an expectation on ${kind} needs ${n})` });
      if (!fields) {
        ok = false;
        return;
      }
      const e: Record<string, unknown> = {};
      for (const [name, ff] of fields) {
        let v: unknown;
        if (name === 'step' || name === 'decision') {
          v = this.stepRef(ff.value, ff.path);
          const t = v === undefined ? undefined : this.stepTypes.get(v as string);
          if (v !== undefined && name === 'decision' && t !== undefined && t !== 'decision' && (STEP_TYPES as readonly string[]).includes(t)) {
            r.problem(ff.value, ff.path, `step "${String(v)}" is not a decision`);
            v = undefined;
          }
        } else if (name === 'within' || name === 'rto' || name === 'rpo') {
          const d = this.duration(ff.value, ff.path, { allowZero: name === 'rpo' });
          if (d) {
            v = d.text;
            e[`${name}Ms`] = d.ms;
          }
        } else if (name === 'level') v = r.word(ff.value, ff.path, LEVELS, LEVEL_WORDS);
        else if (name === 'notified') v = this.roleRef(ff.value, ff.path, { ownerLead: 'never' });
        else if (name === 'option') {
          const s = r.str(ff.value, ff.path, 'an option id');
          const decision = fields.get('decision') ? r.plain(fields.get('decision')!.value, []) : undefined;
          const step = plan.steps?.find((st): st is DecisionStep => st.id === decision && st.type === 'decision');
          if (s !== undefined && step?.options && !step.options.some((o) => o.id === s)) {
            r.problem(ff.value, ff.path, `decision "${step.id}" has no option "${s}"${suggestion(s, step.options.map((o) => o.id))}`);
          } else v = s;
        }
        if (v === undefined) ok = false;
        else e[name] = v;
      }
      out.push(e);
    });
    return ok ? out : undefined;
  }

  /**
   * `facts: { NAME: { from: SOURCE } }`: facts computed at launch from a source in FACT_SOURCES. Each
   * is a number, so the level rules must compare it with numbers.
   */
  private sourcedFacts(f: Field): Plan['facts'] | undefined {
    const r = this.r;
    const sources = Object.keys(FACT_SOURCES);
    return this.factMap(f, 'a map of facts and where they come from, e.g. { taxDeadlineHours: { from: declaration-calendar } }', (name, key, value, path) => {
      const fields = r.fields(value, path, { allowed: ['from'], required: ['from'], what: `where the fact comes from: { from: ${sources[0]} }` }, key);
      const ff = fields?.get('from');
      const from = ff ? r.str(ff.value, ff.path, 'a fact source') : undefined;
      if (!ff || from === undefined) return undefined;
      const source = FACT_SOURCES[from] as (typeof FACT_SOURCES)[string] | undefined;
      if (!source) {
        r.problem(ff.value, ff.path, `unknown fact source "${from}"${suggestion(from, sources)}; facts can come from ${listWords(sources)}`);
        return undefined;
      }
      if (!source.facts.includes(name)) {
        r.problem(key, path, `${from} does not give a fact "${name}"${suggestion(name, source.facts)}; it gives ${listWords(source.facts)}`);
        return undefined;
      }
      const seen = this.factKinds.get(name);
      if (seen && seen.kind !== 'number') {
        r.problem(r.nodeAt(seen.path), seen.path, `fact "${name}" comes from ${from}, a number, but is compared with ${seen.kind === 'text' ? 'text' : `a ${seen.kind}`} here`);
        return undefined;
      }
      return { from };
    });
  }

  /** The drill's facts must classify the drill: every fact an evaluated rule reads, of the right kind. True when they do. */
  private checkDrillFacts(f: Field, rules: LevelRule[], facts: Record<string, unknown>): boolean {
    const r = this.r;
    for (let i = 0; i < rules.length; i++) {
      const err = checkFacts(rules[i].when, facts);
      if (err) {
        const factsField = r.descend(f.value, ['facts']);
        if (err.code === 'unknown-fact') {
          r.problem(factsField, [...f.path, 'facts'], `the drill's facts have no value for "${err.fact}", which levels[${i}] reads`);
        } else {
          r.problem(r.descend(f.value, ['facts', err.fact]), [...f.path, 'facts', err.fact], err.message.replace('the level rules compare', `levels[${i}] compares`));
        }
        return false;
      }
      // Stop at the first rule that matches, as classification does.
      if (evaluate(rules[i].when, facts)) return true;
    }
    return true;
  }
}
