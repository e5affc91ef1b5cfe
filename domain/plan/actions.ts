// The v1 action registry: what an `automated` step may run and the `with` parameters each action
// accepts. Each parameter validates its own value (and describes itself as JSON Schema, so the
// editor schema in plans/plan.schema.json is built from this same list).
import { DISCREPANCY_CAUSES, FACT_RE, PRIORITY_CLASSES } from './vocabulary';
import { listWords, suggestion } from '../text/did-you-mean';

export type JsonSchema = Record<string, unknown>;

/** A problem inside one parameter's value; `path` is relative to the parameter (`[2]` = third item). */
export interface ParamIssue {
  path: Array<string | number>;
  message: string;
}

export interface ActionParam {
  description: string;
  required?: boolean;
  schema: JsonSchema;
  check(value: unknown): ParamIssue[];
}

export interface ActionDef {
  name: string;
  description: string;
  params: Record<string, ActionParam>;
  /** Checks that involve several parameters; paths are relative to `with`. */
  checkAll?(params: Record<string, unknown>): ParamIssue[];
}

// ---- value checkers (each yields a validator and its JSON Schema) ----

interface Checker {
  schema: JsonSchema;
  check(value: unknown): ParamIssue[];
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text "${v}"`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the value ${v}`;
  if (typeof v === 'object') return 'a map of fields';
  return `a value of type ${typeof v}`;
}

const issue = (message: string, path: Array<string | number> = []): ParamIssue[] => [{ path, message }];

function words(allowed: readonly string[]): Checker {
  return {
    schema: { type: 'string', enum: [...allowed] },
    check: (v) =>
      typeof v === 'string' && allowed.includes(v)
        ? []
        : issue(
            typeof v === 'string'
              ? `unknown value "${v}"${suggestion(v, allowed)}; expected ${listWords(allowed)}`
              : `expected ${listWords(allowed)}, found ${describeValue(v)}`,
          ),
  };
}

function text(re: RegExp, what: string): Checker {
  return {
    schema: { type: 'string', pattern: re.source },
    check: (v) => (typeof v === 'string' && re.test(v) ? [] : issue(`expected ${what}, found ${describeValue(v)}`)),
  };
}

function bool(): Checker {
  return { schema: { type: 'boolean' }, check: (v) => (typeof v === 'boolean' ? [] : issue(`expected true or false, found ${describeValue(v)}`)) };
}

function int(min: number, max: number): Checker {
  return {
    schema: { type: 'integer', minimum: min, maximum: max },
    check: (v) =>
      typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
        ? []
        : issue(`expected a whole number from ${min} to ${max}, found ${describeValue(v)}`),
  };
}

function list(item: Checker, opts: { unique?: boolean; min?: number } = {}): Checker {
  const min = opts.min ?? 1;
  return {
    schema: { type: 'array', items: item.schema, minItems: min, ...(opts.unique ? { uniqueItems: true } : {}) },
    check: (v) => {
      if (!Array.isArray(v)) return issue(`expected a list, found ${describeValue(v)}`);
      if (v.length < min) return issue(`the list needs at least ${min} item${min === 1 ? '' : 's'}`);
      const out: ParamIssue[] = [];
      v.forEach((x, i) => {
        for (const p of item.check(x)) out.push({ path: [i, ...p.path], message: p.message });
        if (opts.unique && v.indexOf(x) < i && typeof x !== 'object') out.push({ path: [i], message: `"${String(x)}" is listed twice` });
      });
      return out;
    },
  };
}

/** `{ fact: NAME }`: a value entered by an earlier step (`provides`), looked up when the action runs. */
function factRef(): Checker {
  return {
    schema: {
      type: 'object',
      properties: { fact: { type: 'string', pattern: FACT_RE.source } },
      required: ['fact'],
      additionalProperties: false,
    },
    check: (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return issue(`expected { fact: NAME }, found ${describeValue(v)}`);
      const keys = Object.keys(v);
      const fact = (v as Record<string, unknown>).fact;
      const extra = keys.find((k) => k !== 'fact');
      if (extra !== undefined) return issue(`unknown field "${extra}"${suggestion(extra, ['fact'])} in a fact reference`, [extra]);
      if (typeof fact !== 'string' || !FACT_RE.test(fact)) return issue(`expected a fact name, found ${describeValue(fact)}`, ['fact']);
      return [];
    },
  };
}

/** First checker that accepts the value wins; otherwise one combined message. */
function either(what: string, ...options: Checker[]): Checker {
  return {
    schema: { anyOf: options.map((o) => o.schema) },
    check: (v) => {
      const results = options.map((o) => o.check(v));
      if (results.some((r) => r.length === 0)) return [];
      // A value shaped like one option (a map for fact references, a list for lists) gets that option's details.
      const shaped = options.findIndex((o) =>
        o.schema.type === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v) : o.schema.type === 'array' ? Array.isArray(v) : false,
      );
      if (shaped >= 0) return results[shaped];
      return issue(`expected ${what}, found ${describeValue(v)}`);
    },
  };
}

const param = (description: string, c: Checker, required = false): ActionParam => ({ description, required, schema: { ...c.schema, description }, check: c.check });

const BACKUP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** ISO 8601 date-time with a zone: `2025-03-31T23:59:00+08:00`. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const PERIOD = /^(current|previous|\d{4}-(0[1-9]|1[0-2]))$/;
/** Unified social credit code (统一社会信用代码), 18 characters. */
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
const REGION = /^[1-9][0-9]$/;

const backupRef = text(BACKUP_ID, '"latest" or a backup id');
const timeRef = either('a date-time with a zone (2025-03-31T23:59:00+08:00) or { fact: NAME }', text(TIMESTAMP, 'a date-time'), factRef());
const period = text(PERIOD, '"current", "previous" or a month written YYYY-MM');
const priorityClasses = list(words(PRIORITY_CLASSES), { unique: true });
const regions = list(text(REGION, 'a two-digit province code such as "11"'), { unique: true });

export const ACTION_NAMES = [
  'restoreByPriority',
  'verifyRestore',
  'verifyBackup',
  'takeBackup',
  'reconcileInvoices',
  'resyncTaxPlatform',
  'freezeIssuing',
  'resumeIssuing',
  'revokeAccess',
  'rotateKeys',
  'snapshotEvidence',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export const ACTIONS: Record<ActionName, ActionDef> = {
  restoreByPriority: {
    name: 'restoreByPriority',
    description: 'Restore invoices from a backup chain, most important priority class first; each class is available as soon as it is restored and verified.',
    params: {
      backup: param('"latest" (default) or the id of a backup to restore', backupRef),
      priorities: param(`priority classes in restore order (default: ${PRIORITY_CLASSES.join(', ')})`, priorityClasses),
      pointInTime: param('restore the state as of this moment: a date-time, or { fact: NAME } entered by an earlier step', timeRef),
    },
    checkAll: (p) =>
      p.pointInTime !== undefined && p.backup !== undefined && p.backup !== 'latest'
        ? [{ path: ['backup'], message: 'give either a backup id or pointInTime, not both: with pointInTime the backup chain is chosen for you' }]
        : [],
  },
  verifyRestore: {
    name: 'verifyRestore',
    description: 'Compare restored invoices with the backup manifest (or, in a live drill, the pre-fault copy): counts and checksums per class.',
    params: {
      classes: param('priority classes to verify (default: all)', priorityClasses),
      checksums: param('compare checksums as well as counts (default true)', bool()),
      against: param('"manifest" (default) or "pre-fault" (live drills)', words(['manifest', 'pre-fault'])),
    },
  },
  verifyBackup: {
    name: 'verifyBackup',
    description: 'Check a backup chain: manifest signature, chunk hashes, chain links; optionally restore it into a scratch database.',
    params: {
      backup: param('"latest" (default) or a backup id', backupRef),
      restoreTest: param('also restore into a scratch database and compare (default false)', bool()),
    },
  },
  takeBackup: {
    name: 'takeBackup',
    description: 'Take a backup of the invoice database now.',
    params: {
      kind: param('full, incremental or differential', words(['full', 'incremental', 'differential']), true),
      label: param('a label stored with the backup', text(/^.{1,64}$/, 'a label of 1 to 64 characters')),
    },
  },
  reconcileInvoices: {
    name: 'reconcileInvoices',
    description: 'Compare the local ledger with the tax platform and explain each discrepancy by its cause.',
    params: {
      period: param('"current" (default), "previous" or YYYY-MM', period),
      taxpayers: param('"all" (default) or a list of unified social credit codes', either('"all" or a list of credit codes', words(['all']), list(text(CREDIT_CODE, 'an 18-character unified social credit code'), { unique: true }))),
      causes: param(`causes to check (default: all of ${DISCREPANCY_CAUSES.join(', ')})`, list(words(DISCREPANCY_CAUSES), { unique: true })),
      missingTo: param('the plan role whose team gets a task per truly missing invoice (default finance)', text(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a role name')),
    },
  },
  resyncTaxPlatform: {
    name: 'resyncTaxPlatform',
    description: 'Send invoices that are pending or failed to the tax platform again, in batches, and record acknowledgements.',
    params: {
      period: param('"current", "previous" or YYYY-MM (default: every period, what blocks the next declaration first)', period),
      statuses: param('sync statuses to resend (default: pending and failed)', list(words(['pending', 'failed']), { unique: true })),
      since: param('only invoices issued from this moment: a date-time or { fact: NAME }', timeRef),
      batchSize: param('invoices per request (default 200)', int(1, 1000)),
    },
  },
  freezeIssuing: {
    name: 'freezeIssuing',
    description: 'Stop issuing invoices ("freeze") or accept them into a local queue to sync later ("queue").',
    params: {
      mode: param('both hold new invoices locally, unsent, until resumeIssuing (tax-platform.md); "freeze" records issuing as stopped (customers are told), "queue" as open with the sync deferred', words(['freeze', 'queue']), true),
      regions: param('province codes to limit it to (default: all)', regions),
    },
  },
  resumeIssuing: {
    name: 'resumeIssuing',
    description: 'Issue invoices normally again.',
    params: {
      regions: param('province codes to limit it to (default: all)', regions),
      drainQueue: param('sync the invoices queued while frozen (default true)', bool()),
    },
  },
  revokeAccess: {
    name: 'revokeAccess',
    description:
      'Revoke access to the invoice system: api-tokens (the Yingji tokens of principals and teams; the incident\'s launcher keeps theirs), ' +
      'db-credentials (the databaseRoles can no longer log in to the invoice database\'s server, their open sessions are ended), ' +
      'sessions (only their open sessions ended). service-accounts and partner-access are not built: asking for them fails the step, naming them, after the rest is done. Not run in a drill.',
    params: {
      kinds: param('what to revoke', list(words(['sessions', 'api-tokens', 'service-accounts', 'partner-access', 'db-credentials']), { unique: true }), true),
      principals: param('people whose Yingji tokens are revoked: "all", a list of person ids, or { fact: NAME } given at launch', either('"all", a list of account names or { fact: NAME }', words(['all']), list(text(/^\S{1,128}$/, 'an account name'), { unique: true }), factRef())),
      teams: param('teams whose members\' Yingji tokens are revoked: a list of team ids or { fact: NAME }', either('a list of team ids or { fact: NAME }', list(text(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a team id'), { unique: true }), factRef())),
      databaseRoles: param('login roles of the invoice database (db-credentials, sessions): a list of role names or { fact: NAME }', either('a list of role names or { fact: NAME }', list(text(/^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$/, 'a database role name'), { unique: true }), factRef())),
    },
    checkAll: (p) => {
      const kinds = Array.isArray(p.kinds) ? p.kinds : [];
      const out: ParamIssue[] = [];
      if (kinds.includes('api-tokens') && p.principals === undefined && p.teams === undefined) out.push({ path: ['kinds'], message: 'api-tokens needs principals or teams whose tokens to revoke' });
      if ((kinds.includes('db-credentials') || kinds.includes('sessions')) && p.databaseRoles === undefined) out.push({ path: ['kinds'], message: 'db-credentials and sessions need databaseRoles' });
      return out;
    },
  },
  rotateKeys: {
    name: 'rotateKeys',
    description:
      'A new backup key (backup-encryption and manifest-signing: one secret) becomes current in the key file; older keys stay for reading older backups. ' +
      'api-signing, database-credentials and tax-platform-credentials are not held by Yingji: asking for them fails the step, naming them. Not run in a drill.',
    params: {
      keys: param('which keys', list(words(['backup-encryption', 'manifest-signing', 'api-signing', 'database-credentials', 'tax-platform-credentials']), { unique: true }), true),
      keepOldForReading: param('keep old keys for reading existing backups (default true; false is refused)', bool()),
      reencryptLatest: param('re-encrypt the latest backup chain under the new key (not built yet: true fails the step)', bool()),
    },
  },
  snapshotEvidence: {
    name: 'snapshotEvidence',
    description: 'Copy logs and records to write-once storage with their SHA-256, for investigation and regulators.',
    params: {
      sources: param('what to preserve', list(words(['access-logs', 'audit-trail', 'database-logs', 'network-flows', 'invoice-changes']), { unique: true }), true),
      since: param('from this moment: a date-time or { fact: NAME }', timeRef),
      retainDays: param('days to keep the snapshot (default 365)', int(1, 3650)),
    },
  },
};

export function isActionName(name: string): name is ActionName {
  return (ACTION_NAMES as readonly string[]).includes(name);
}
