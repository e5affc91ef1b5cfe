// The fixed words of the plan format (yingji/v1): names a plan may use and what they mean.

/**
 * Limits checked before the expensive work (the YAML parse for the size; every step check and the
 * step graph for the count), so one plan cannot hold the API's event loop for seconds.
 */
export const PLAN_LIMITS = { maxBytes: 256 * 1024, maxSteps: 500 } as const;

/** Step ids, option ids, role names, team names, plan ids: lowercase words joined by dashes. */
export const ID_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';
export const ID_RE = new RegExp(ID_PATTERN);

/** Fact names in conditions and drill facts: `invoicesAffected`, `outage_minutes`. */
export const FACT_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const FACT_RE = new RegExp(FACT_PATTERN);

/**
 * Roles every plan may use without declaring them. `owner-lead` is the lead of the step owner's team
 * (it cannot be declared); `commander` and `management` may be bound to a team in `roles`.
 */
export const BUILT_IN_ROLES = ['owner-lead', 'commander', 'management'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

export const STEP_TYPES = ['manual', 'automated', 'notify', 'decision'] as const;

/** Channels a notify step or the `notify` section may name. */
export const CHANNELS = ['email', 'webhook', 'sms', 'phone', 'wecom', 'dingtalk', 'feishu', 'slack'] as const;
export type Channel = (typeof CHANNELS)[number];
/** Channels configured by address lists (`to: { role: address }`) rather than by a URL. */
export const ADDRESS_CHANNELS: readonly Channel[] = ['email', 'sms', 'phone'];
export const EMAIL_PATTERN = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';
export const PHONE_PATTERN = '^\\+?[0-9][0-9 -]{4,}$';
export const WEBHOOK_FORMATS = ['wecom', 'dingtalk', 'feishu', 'slack', 'generic'] as const;

/** Incident stages at which `notify.onStages` sends stakeholder messages. */
export const NOTIFY_STAGES = ['declared', 'classified', 'reclassified', 'assigned', 'escalated', 'restored', 'closed', 'reviewed'] as const;

/**
 * Placeholders a notify message may use, filled in when the message is sent. `{fact.NAME}` is the
 * incident fact NAME. `{{` and `}}` write literal braces.
 */
export const MESSAGE_PLACEHOLDERS = ['level', 'levelName', 'rto', 'rpo', 'plan', 'title', 'version', 'incident', 'commander', 'mode'] as const;

/** Restore priority classes (einvoice-domain.md), highest first: the default order. */
export const PRIORITY_CLASSES = [
  'current-period-undeclared',
  'red-letter',
  'high-value',
  'current-period',
  'last-12-months',
  'archive',
] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/**
 * Causes a diagnosis or reconciliation can give for a missing invoice (tax-platform.md), in the
 * order a finance team checks them (seed 001: network, version, login and permission, the data
 * itself, then ask support). domain/einvoice/diagnosis reports findings in this order.
 */
export const DISCREPANCY_CAUSES = [
  'network',
  'version',
  'permission',
  'sync-delay',
  'sync-failure',
  'data-entry',
  'misfiled',
  'truly-missing',
] as const;

export type FaultParamType = 'text' | 'count' | 'share' | 'duration';
export interface FaultDef {
  description: string;
  params: Record<string, FaultParamType>;
  required: readonly string[];
  /** Text settings that take one of a fixed set of words (checked when the plan is published). */
  words?: Record<string, readonly string[]>;
  /** An earlier name of the same fault, kept so that published plans keep working (plans/README.md). */
  aliasOf?: string;
}

/** The invoice database's tables a fault can target. */
export const INVOICE_TABLES = ['invoices', 'invoice_changes'] as const;

/** Faults a live drill can inject into the sandbox copy (drill.faults). */
export const FAULTS: Record<string, FaultDef> = {
  'drop-table': { description: 'drop a table of the invoice database', params: { target: 'text' }, required: ['target'], words: { target: INVOICE_TABLES } },
  'truncate-table': { description: 'empty a table of the invoice database', params: { target: 'text' }, required: ['target'], words: { target: INVOICE_TABLES } },
  'stop-database': { description: 'stop the sandbox invoice database', params: { duration: 'duration' }, required: [] },
  'delete-rows': {
    description: 'delete some rows (filter: only rows of this priority class)',
    params: { target: 'text', count: 'count', share: 'share', filter: 'text' },
    required: ['target'],
    words: { target: ['invoices'], filter: PRIORITY_CLASSES },
  },
  'corrupt-rows': {
    description: 'overwrite amounts or numbers of some rows (field: amount or number; filter: a priority class)',
    params: { target: 'text', count: 'count', share: 'share', field: 'text', filter: 'text' },
    required: ['target'],
    words: { target: ['invoices'], field: ['amount', 'number'], filter: PRIORITY_CLASSES },
  },
  'misfile-invoices': { description: 'move invoices to another folder', params: { count: 'count', folder: 'text' }, required: ['count'] },
  'mistype-invoices': { description: 'alter a digit of invoice numbers', params: { count: 'count' }, required: ['count'] },
  'fail-sync': { description: 'mark invoices as failed to sync', params: { count: 'count' }, required: ['count'] },
  // The tax platform, in the drill's own simulator tenant (never production's), for `duration` of
  // plan time (default 10m), after which it lifts by itself. `invoices`: that many are issued into
  // the sandbox as the fault starts (business goes on), pending until the plan resyncs them.
  'platform-outage': { description: 'the tax platform is down (every call answers 503) for duration', params: { invoices: 'count', duration: 'duration' }, required: [] },
  'platform-slow': { description: 'every call to the tax platform waits latency first, for duration', params: { invoices: 'count', duration: 'duration', latency: 'duration' }, required: ['latency'] },
  'sync-delay': { description: 'invoices the tax platform accepts become visible only delay later (sync delay), for duration', params: { invoices: 'count', duration: 'duration', delay: 'duration' }, required: ['delay'] },
  'sync-drop': { description: 'the tax platform accepts invoices, then loses share of them (sync failure; default all), for duration', params: { invoices: 'count', duration: 'duration', share: 'share' }, required: [] },
  'session-expired': { description: 'the tax platform answers 1101 login expired until the caller logs in again, for duration', params: { invoices: 'count', duration: 'duration' }, required: [] },
  'tax-platform-outage': { description: 'earlier name of platform-outage', params: { invoices: 'count', duration: 'duration' }, required: [], aliasOf: 'platform-outage' },
  'tax-platform-delay': { description: 'earlier name of sync-delay: invoices become visible duration later, for duration', params: { invoices: 'count', duration: 'duration' }, required: ['duration'], aliasOf: 'sync-delay' },
  'tax-platform-drop-records': {
    description: 'earlier name of sync-drop (count: at most that many invoices lost)',
    params: { count: 'count', share: 'share', invoices: 'count' },
    required: [],
    aliasOf: 'sync-drop',
  },
  'rogue-access': { description: 'add an unknown account with read access to invoices', params: { target: 'text', count: 'count' }, required: [] },
};

/** The single key that tells what a `drill.expect` entry checks, with the fields it takes. */
export const EXPECT_KINDS: Record<string, { fields: readonly string[]; required: readonly string[]; description: string }> = {
  step: { fields: ['step', 'within'], required: ['step', 'within'], description: 'the step finished within the time, counted from the start of the drill' },
  rto: { fields: ['rto'], required: ['rto'], description: 'service restored within the time' },
  rpo: { fields: ['rpo'], required: ['rpo'], description: 'data lost covers at most this much time' },
  level: { fields: ['level'], required: ['level'], description: 'the incident is classified at this level' },
  notified: { fields: ['notified', 'within'], required: ['notified', 'within'], description: 'the role was reached within the time' },
  decision: { fields: ['decision', 'option'], required: ['decision', 'option'], description: 'the decision step took this option' },
};

/**
 * Where a plan's `facts` section may take a fact from at launch instead of the caller typing it
 * (`facts: { taxDeadlineHours: { from: declaration-calendar } }`), and the facts each source gives.
 * Each such fact is a number.
 */
export const FACT_SOURCES: Record<string, { description: string; facts: readonly string[] }> = {
  'declaration-calendar': {
    description: 'the declaration calendar (domain/einvoice/declaration-calendar.json): taxDeadlineHours is the whole hours left until the deadline of the tax period being declared at launch',
    facts: ['taxDeadlineHours'],
  },
};
