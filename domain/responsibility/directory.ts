// The team directory: who is in which team, who leads it, who holds which role inside it, and how
// to reach each person and team on each channel. Loaded from YAML (plans/teams.example.yaml) with
// the same positioned problems as plan files.
import { isEmail } from 'class-validator';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Node } from 'yaml';
import type { Problem } from '../plan/plan.types';
import { CHANNELS, EMAIL_PATTERN, PHONE_PATTERN } from '../plan/vocabulary';
import type { Channel } from '../plan/vocabulary';
import { didYouMean, listWords, suggestion } from '../text/did-you-mean';
import { Env, Field, Path, sortProblems, TooManyProblems, YamlReader } from '../yaml/reader';

export type Contacts = Partial<Record<Channel, string>>;

export interface Person {
  id: string;
  name: string;
  contacts: Contacts;
  /** False while on leave or otherwise not to be called; such a person is not reachable. */
  available: boolean;
  /** What the person sees when they ask a diagnosis (province codes, folder prefixes); absent: the whole company. */
  scope?: { regions?: string[]; folders?: string[] };
}

export interface Team {
  id: string;
  title?: string;
  /** Person id of the lead (also a member). */
  lead: string;
  /** Person ids, the lead first. */
  members: string[];
  /** Roles inside the team (e.g. commander) and the members who hold them. */
  roles: Record<string, string[]>;
  /** Team-wide addresses (group mailbox, chat bot). */
  contacts: Contacts;
}

/** Who answers for a team role: `lead` is the lead, another name its holders, none the members. */
export function holdersOf(team: Team, teamRole?: string): string[] {
  return teamRole === 'lead' ? [team.lead] : teamRole !== undefined ? (team.roles[teamRole] ?? []) : team.members;
}

export interface TeamDirectory {
  people: Record<string, Person>;
  teams: Record<string, Team>;
}

export type LoadDirectoryResult = { ok: true; directory: TeamDirectory } | { ok: false; problems: Problem[] };

const ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const EMAIL_RE = new RegExp(EMAIL_PATTERN);
const PHONE_RE = new RegExp(PHONE_PATTERN);
const URL_RE = /^https?:\/\/\S+$/;

/** A person can be reached when available and with at least one contact address. */
export function isReachable(p: Person): boolean {
  return p.available && Object.values(p.contacts).some((c) => typeof c === 'string' && c.length > 0);
}

/**
 * What is wrong with an email address or a phone number that has the right shape, or undefined.
 * The shape check (a regex) runs first; these catch what only a real parser sees: an address mail
 * servers refuse, a number of the wrong length for its country. Numbers without a country code are
 * read as Chinese (CN); others must be written in E.164 form (+ country code).
 */
export function contactProblem(channel: string, value: string): string | undefined {
  if (channel === 'email') return isEmail(value) ? undefined : `"${value}" is not an email address`;
  if (channel !== 'phone' && channel !== 'sms') return undefined;
  const n = parsePhoneNumberFromString(value, 'CN');
  if (!n || !n.isValid()) return `"${value}" is not a valid phone number: write a Chinese number (13800138000, +86 10 5555 0100) or an E.164 number with its country code (+44 20 7946 0958)`;
  // A text message needs a mobile; a landline in an `sms` contact would silently never arrive.
  if (channel === 'sms' && !isMobile(value)) return `"${value}" is not a mobile number, so it cannot receive text messages`;
  return undefined;
}

/** True when a valid number can receive text messages (mobile, or a number plan that does not tell). */
export function isMobile(value: string): boolean {
  const n = parsePhoneNumberFromString(value, 'CN');
  const type = n?.isValid() ? n.getType() : undefined;
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
}

/** Parses and checks a team directory. Never throws. */
export function loadDirectory(text: string, opts: { file?: string; env?: Env } = {}): LoadDirectoryResult {
  const file = opts.file ?? 'teams.yaml';
  try {
    if (typeof text !== 'string') return { ok: false, problems: [{ file, line: 1, column: 1, path: '', message: 'a team directory must be given as text' }] };
    return new DirectoryParser(new YamlReader(text, file, opts.env ?? {})).parse();
  } catch (e) {
    if (e instanceof TooManyProblems) return { ok: false, problems: [...e.found, e.problem] };
    return { ok: false, problems: [{ file, line: 1, column: 1, path: '', message: `the directory could not be checked (internal error: ${e instanceof Error ? e.message : String(e)})` }] };
  }
}

class DirectoryParser {
  private personIds = new Set<string>();

  constructor(private readonly r: YamlReader) {}

  parse(): LoadDirectoryResult {
    const r = this.r;
    const fail = (): LoadDirectoryResult => ({ ok: false, problems: sortProblems(r.problems) });
    if (!r.checkSyntax()) return fail();
    if (r.kind(r.root) === 'nothing') {
      r.problemAt(0, [], 'the file is empty; a team directory starts with "apiVersion: yingji/v1" and "kind: TeamDirectory"');
      return fail();
    }
    const top = r.fields(r.root, [], { allowed: ['apiVersion', 'kind', 'people', 'teams'], required: ['apiVersion', 'kind', 'people', 'teams'], what: 'a team directory' });
    if (!top) return fail();
    const api = top.get('apiVersion');
    if (api) r.word(api.value, api.path, ['yingji/v1']);
    const kind = top.get('kind');
    if (kind) {
      const k = r.str(kind.value, kind.path);
      if (k !== undefined && k !== 'TeamDirectory') r.problem(kind.value, kind.path, k === 'EmergencyPlan' ? 'this is a plan, not a team directory (kind must be "TeamDirectory")' : `unknown kind "${k}"; a team directory has kind "TeamDirectory"`);
    }
    const pf = top.get('people');
    const people = pf ? this.people(pf) : undefined;
    const tf = top.get('teams');
    const teams = tf ? this.teams(tf) : undefined;
    if (r.problems.length > 0 || !people || !teams) return fail();
    return { ok: true, directory: { people, teams } };
  }

  private names(f: Field, what: string): Array<{ name: string; key: Node; value: Node | null; path: Path }> {
    const r = this.r;
    const map = r.map(f.value, f.path, `a map of ${what}`);
    if (!map) return [];
    const out: Array<{ name: string; key: Node; value: Node | null; path: Path }> = [];
    for (const pair of map.items) {
      const key = pair.key as Node;
      const name = r.kind(key) === 'text' ? String((key as unknown as { value: string }).value) : undefined;
      if (name === undefined || !ID_RE.test(name)) {
        r.problem(key ?? map, name ? [...f.path, name] : f.path, name ? `"${name}" is not an id: use lowercase words joined by dashes` : `ids must be text, found ${r.found(key)}`);
        continue;
      }
      out.push({ name, key, value: (pair.value as Node | null) ?? null, path: [...f.path, name] });
    }
    return out;
  }

  private contacts(f: Field): Contacts | undefined {
    const r = this.r;
    const fields = r.fields(f.value, f.path, {
      allowed: CHANNELS,
      unknownHint: (n) => `unknown channel "${n}"${suggestion(n, CHANNELS)}; channels are ${CHANNELS.join(', ')}`,
    });
    if (!fields) return undefined;
    const out: Contacts = {};
    let ok = true;
    for (const [name, cf] of fields) {
      const [re, what] =
        name === 'email' ? [EMAIL_RE, 'an email address'] : name === 'phone' || name === 'sms' ? [PHONE_RE, 'a phone number such as +86 10 5555 0100'] : name === 'webhook' ? [URL_RE, 'an http:// or https:// address'] : [/^\S.*$/, 'an address'];
      const v = r.pattern(cf.value, cf.path, re, what);
      const why = v === undefined ? undefined : contactProblem(name, v);
      if (why) r.problem(cf.value, cf.path, why);
      if (v === undefined || why) ok = false;
      else out[name as Channel] = v;
    }
    return ok ? out : undefined;
  }

  private people(f: Field): Record<string, Person> | undefined {
    const r = this.r;
    const entries = this.names(f, 'people, e.g. zhang-wei: { name: 张伟 Zhang Wei, contacts: { email: ... } }');
    for (const e of entries) this.personIds.add(e.name);
    const out: Record<string, Person> = {};
    for (const e of entries) {
      const fields = r.fields(e.value, e.path, { allowed: ['name', 'contacts', 'available', 'scope'], required: ['name', 'contacts'], what: 'a person: { name, contacts }' }, e.key);
      if (!fields) continue;
      const nf = fields.get('name');
      const name = nf ? r.str(nf.value, nf.path) : undefined;
      const cf = fields.get('contacts');
      const contacts = cf ? this.contacts(cf) : undefined;
      const af = fields.get('available');
      const available = af ? r.bool(af.value, af.path) : true;
      const sf = fields.get('scope');
      const scope = sf ? this.scope(sf) : undefined;
      if (name !== undefined && contacts && available !== undefined && (!sf || scope)) out[e.name] = { id: e.name, name, contacts, available, ...(scope ? { scope } : {}) };
    }
    return out;
  }

  /** `scope: { regions: ["11"], folders: [sales] }`: what the person may see when asking a diagnosis. */
  private scope(f: Field): Person['scope'] | undefined {
    const r = this.r;
    const fields = r.fields(f.value, f.path, { allowed: ['regions', 'folders'], what: 'a scope: { regions, folders }' });
    if (!fields) return undefined;
    const out: NonNullable<Person['scope']> = {};
    let ok = true;
    const each = (name: 'regions' | 'folders', re: RegExp, what: string) => {
      const lf = fields.get(name);
      if (!lf) return;
      const items = r.list(lf.value, lf.path, `a list of ${what}s`);
      if (!items) return void (ok = false);
      const values = items.map((item, i) => r.pattern(item, [...lf.path, i], re, what));
      if (values.some((v) => v === undefined)) ok = false;
      else out[name] = values as string[];
    };
    each('regions', /^[1-9][0-9]$/, 'a two-digit province code such as "11"');
    each('folders', /^[^/\s][^\s]{0,199}$/, 'a folder such as sales or sales/2026-11');
    return ok ? out : undefined;
  }

  private personRef(node: Node | null, path: Path): string | undefined {
    const r = this.r;
    const id = r.str(node, path, 'a person id');
    if (id === undefined) return undefined;
    if (this.personIds.has(id)) return id;
    const s = didYouMean(id, this.personIds);
    r.problem(node, path, `unknown person "${id}"${s ? ` (did you mean "${s}"?)` : '; add them under "people"'}`);
    return undefined;
  }

  private teams(f: Field): Record<string, Team> | undefined {
    const r = this.r;
    const out: Record<string, Team> = {};
    for (const e of this.names(f, 'teams, e.g. it-ops: { lead: ..., members: [...] }')) {
      const fields = r.fields(e.value, e.path, { allowed: ['title', 'lead', 'members', 'roles', 'contacts'], required: ['lead'], what: 'a team: { lead, members, roles, contacts }' }, e.key);
      if (!fields) continue;
      let ok = true;
      const tf = fields.get('title');
      const title = tf ? r.str(tf.value, tf.path) : undefined;
      if (tf && title === undefined) ok = false;
      const lf = fields.get('lead');
      const lead = lf ? this.personRef(lf.value, lf.path) : undefined;
      const members: string[] = lead ? [lead] : [];
      const mf = fields.get('members');
      if (mf) {
        const items = r.list(mf.value, mf.path, 'a list of person ids');
        if (!items) ok = false;
        items?.forEach((item, i) => {
          const id = this.personRef(item, [...mf.path, i]);
          if (id === undefined) ok = false;
          else if (members.includes(id) && id !== lead) {
            r.problem(item, [...mf.path, i], `"${id}" is listed twice`);
            ok = false;
          } else if (!members.includes(id)) members.push(id);
        });
      }
      const roles: Record<string, string[]> = {};
      const rf = fields.get('roles');
      if (rf) {
        for (const role of this.names(rf, 'roles inside the team, e.g. commander: [zhang-wei]')) {
          const items = r.list(role.value, role.path, 'a list of person ids', role.key);
          if (!items) {
            ok = false;
            continue;
          }
          const holders: string[] = [];
          items.forEach((item, i) => {
            const id = this.personRef(item, [...role.path, i]);
            if (id === undefined) ok = false;
            else if (!members.includes(id)) {
              r.problem(item, [...role.path, i], `"${id}" holds a role in team "${e.name}" but is not one of its members (${listWords(members, 'and')})`);
              ok = false;
            } else holders.push(id);
          });
          roles[role.name] = holders;
        }
      }
      const cf = fields.get('contacts');
      const contacts = cf ? this.contacts(cf) : {};
      if (!lead || !ok || !contacts) continue;
      out[e.name] = { id: e.name, ...(title !== undefined ? { title } : {}), lead, members, roles, contacts };
    }
    return out;
  }
}
