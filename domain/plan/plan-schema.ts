// The JSON Schema for plan files (plans/plan.schema.json), built from the same vocabulary and action
// registry as the validator so the two cannot drift apart. Editors (yaml-language-server) use it
// while people type; the validator (parse-plan.ts) adds what a schema cannot say: references
// between steps and roles, cycles, unreachable steps, the last level rule, fact kinds, placeholders,
// fact provisioning, drill facts, escalation order, rto per level and ${NAME} variables.
import { ACTION_NAMES, ACTIONS } from './actions';
import type { JsonSchema } from './actions';
import { COMPARISONS } from './conditions';
import { LABEL_NAME_PATTERN } from './label-matchers';
import { DURATION_PATTERN } from './duration';
import { LEVELS } from './plan.types';
import { ADDRESS_CHANNELS, CHANNELS, EMAIL_PATTERN, EXPECT_KINDS, FACT_PATTERN, FACT_SOURCES, FAULTS, ID_PATTERN, NOTIFY_STAGES, PHONE_PATTERN, PLAN_LIMITS, STEP_TYPES, WEBHOOK_FORMATS } from './vocabulary';

const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });
const obj = (properties: Record<string, JsonSchema>, required: string[] = [], extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  additionalProperties: false,
  ...extra,
});
const list = (items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: 'array', items, ...extra });
const text = (description?: string): JsonSchema => ({ type: 'string', minLength: 1, ...(description ? { description } : {}) });

export function buildPlanSchema(): JsonSchema {
  const scalar: JsonSchema = { type: ['string', 'number', 'boolean'] };
  const stepCommon: Record<string, JsonSchema> = {
    id: { ...ref('id'), description: 'Stable step id: lowercase words joined by dashes' },
    title: text('What the step does, 中文 first'),
    type: { enum: [...STEP_TYPES] },
    owner: { ...ref('roleRef'), description: 'The role responsible (from roles, or commander / management)' },
    after: list(ref('id'), { uniqueItems: true, description: 'Steps that must finish (or be skipped) first' }),
    levels: list(ref('level'), { minItems: 1, uniqueItems: true, description: 'Run the step only at these levels' }),
    within: { ...ref('duration'), description: 'Deadline, counted from when the step starts; a missed deadline escalates' },
  };
  const stepSchemas: Record<string, JsonSchema> = {
    manual: obj(
      {
        ...stepCommon,
        checklist: list(text(), { minItems: 1 }),
        provides: list({ type: 'string', pattern: FACT_PATTERN }, { minItems: 1, uniqueItems: true, description: 'Facts the owner enters on completion, usable as { fact: NAME } by later steps' }),
      },
      ['id', 'type', 'owner'],
    ),
    automated: {
      ...obj({ ...stepCommon, action: { enum: [...ACTION_NAMES] }, with: { type: 'object' } }, ['id', 'type', 'owner', 'action']),
      allOf: ACTION_NAMES.map((name) => {
        const def = ACTIONS[name];
        const required = Object.keys(def.params).filter((p) => def.params[p].required);
        return {
          if: { properties: { action: { const: name } }, required: ['action'] },
          then: {
            description: def.description,
            properties: { with: obj(Object.fromEntries(Object.entries(def.params).map(([p, spec]) => [p, spec.schema])), required) },
            ...(required.length > 0 ? { required: ['with'] } : {}),
          },
        };
      }),
    },
    notify: obj(
      {
        ...stepCommon,
        to: list(ref('roleRef'), { minItems: 1 }),
        channels: list({ enum: [...CHANNELS] }, { minItems: 1, uniqueItems: true }),
        message: text('The message; placeholders: {level} {levelName} {rto} {rpo} {plan} {title} {version} {incident} {commander} {mode} {fact.NAME}'),
      },
      ['id', 'type', 'to', 'channels', 'message'],
    ),
    decision: obj(
      {
        ...stepCommon,
        options: list(obj({ id: ref('id'), title: text(), next: list(ref('id'), { uniqueItems: true }) }, ['id', 'next']), { minItems: 2 }),
      },
      ['id', 'type', 'owner', 'options'],
    ),
  };

  const channelConfig: Record<string, JsonSchema> = {};
  for (const c of CHANNELS) {
    if (ADDRESS_CHANNELS.includes(c)) {
      const address: JsonSchema = { type: 'string', pattern: c === 'email' ? EMAIL_PATTERN : PHONE_PATTERN };
      channelConfig[c] = obj(
        { to: { type: 'object', additionalProperties: { anyOf: [address, list(address, { minItems: 1 })] }, propertyNames: ref('id') } },
        ['to'],
      );
    } else {
      channelConfig[c] = obj(
        {
          url: { type: 'string', pattern: '^(https?://\\S+|.*\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}.*)$' },
          ...(c === 'webhook' ? { format: { enum: [...WEBHOOK_FORMATS] } } : {}),
          // DingTalk and Feishu robots that sign: the worker's variable holding the secret (never the secret).
          ...(c === 'webhook' || c === 'dingtalk' || c === 'feishu' ? { secretEnv: { type: 'string', pattern: '^YINGJI_PLAN_[A-Za-z0-9_]+$' } } : {}),
        },
        ['url'],
      );
    }
  }

  const faultSchema: JsonSchema = {
    type: 'object',
    required: ['kind'],
    properties: { kind: { enum: Object.keys(FAULTS) } },
    allOf: Object.entries(FAULTS).map(([kind, def]) => ({
      if: { properties: { kind: { const: kind } }, required: ['kind'] },
      then: obj(
        {
          kind: { const: kind },
          ...Object.fromEntries(
            Object.entries(def.params).map(([p, t]) => [
              p,
              t === 'text' ? (def.words?.[p] ? { enum: [...def.words[p]] } : text()) : t === 'count' ? { type: 'integer', minimum: 1 } : t === 'share' ? { type: 'number', exclusiveMinimum: 0, maximum: 1 } : ref('duration'),
            ]),
          ),
        },
        ['kind', ...def.required],
        { description: def.description },
      ),
    })),
  };

  const expectFieldSchema: Record<string, JsonSchema> = {
    step: ref('id'),
    within: ref('duration'),
    rto: ref('duration'),
    rpo: ref('duration'),
    level: ref('level'),
    notified: ref('roleRef'),
    decision: ref('id'),
    option: ref('id'),
  };
  const expectSchema: JsonSchema = {
    oneOf: Object.entries(EXPECT_KINDS).map(([kind, spec]) =>
      obj(Object.fromEntries(spec.fields.map((f) => [f, expectFieldSchema[f]])), [...spec.required], { description: `${kind}: ${spec.description}` }),
    ),
  };

  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Yingji emergency plan (yingji/v1)',
    description: 'An emergency plan file; see plan-format.md. Generated from domain/plan/plan-schema.ts: do not edit by hand.',
    type: 'object',
    required: ['apiVersion', 'kind', 'id', 'version', 'title', 'owner', 'levels', 'roles', 'steps'],
    additionalProperties: false,
    properties: {
      apiVersion: { const: 'yingji/v1' },
      kind: { const: 'EmergencyPlan' },
      id: { ...ref('id'), description: 'Stable plan id: lowercase words joined by dashes' },
      version: { type: 'integer', minimum: 1, description: 'A published id + version never changes; a new version must be greater' },
      title: text('中文 first, then English'),
      owner: { ...ref('id'), description: 'The team that owns this plan' },
      description: text(),
      incidentTypes: list(ref('id'), { uniqueItems: true, minItems: 1 }),
      facts: {
        ...obj(
          Object.fromEntries(
            [...new Set(Object.values(FACT_SOURCES).flatMap((d) => d.facts))].map((fact) => [
              fact,
              obj({ from: { enum: Object.keys(FACT_SOURCES).filter((src) => FACT_SOURCES[src].facts.includes(fact)) } }, ['from']),
            ]),
          ),
        ),
        description: 'Facts computed at launch instead of typed by the caller (a fact the caller gives wins), e.g. { taxDeadlineHours: { from: declaration-calendar } }',
      },
      levels: list(obj({ level: ref('level'), when: ref('condition') }, ['level', 'when']), {
        minItems: 1,
        description: 'First match from the top wins; the last rule must be { always: true }',
      }),
      triggers: list(
        obj(
          {
            match: {
              type: 'object',
              minProperties: 1,
              propertyNames: { pattern: LABEL_NAME_PATTERN },
              additionalProperties: {
                oneOf: [
                  { type: ['string', 'number', 'boolean'], description: 'The label equals this value' },
                  list({ type: ['string', 'number', 'boolean'] }, { minItems: 1, description: 'The label is one of these values' }),
                  obj({ regex: { type: 'string', description: 'Anchored RE2 regex (as in Prometheus): it must match the whole value' } }, ['regex']),
                ],
              },
              description: 'Alert labels to match, all of them; severity also reads an Events v2 event\'s payload.severity',
            },
            launch: { enum: ['auto', 'propose'], description: 'auto: start the plan at once; propose (default): a commander confirms in triage' },
            level: { ...ref('level'), description: 'Run at this level; without it the level rules classify from the facts' },
            facts: {
              type: 'object',
              propertyNames: { pattern: FACT_PATTERN },
              additionalProperties: {
                oneOf: [
                  obj({ value: scalar }, ['value']),
                  obj({ label: { type: 'string', pattern: LABEL_NAME_PATTERN }, default: scalar }, ['label']),
                  obj({ annotation: text(), default: scalar }, ['annotation']),
                  obj({ detail: text('An Events v2 payload.custom_details entry'), default: scalar }, ['detail']),
                ],
              },
              description: 'Facts the incident starts with, converted to the kind the level rules compare them as',
            },
          },
          ['match'],
        ),
        { minItems: 1, description: 'Alerts that start this plan; the first plan whose trigger matches an alert wins' },
      ),
      roles: {
        type: 'object',
        description: 'Role names used by steps, resolved to teams and people at run time',
        propertyNames: { pattern: ID_PATTERN, not: { const: 'owner-lead' } },
        additionalProperties: obj({ team: ref('id'), role: ref('id') }, ['team']),
      },
      objectives: obj({
        rto: {
          description: 'Time to restore service: one duration, or one per level',
          oneOf: [ref('duration'), obj(Object.fromEntries(LEVELS.map((l) => [l, ref('duration')])), [], { minProperties: 1 })],
        },
        rpo: { ...ref('duration'), description: 'Most data (by time) that may be lost' },
      }),
      steps: list(ref('step'), { minItems: 1, maxItems: PLAN_LIMITS.maxSteps }),
      escalation: list(
        {
          oneOf: [
            obj({ after: ref('duration'), notify: list(ref('roleRef'), { minItems: 1 }), channels: list({ enum: [...CHANNELS] }, { minItems: 1, uniqueItems: true }) }, ['after', 'notify']),
            obj({ unacknowledged: ref('duration'), notify: list(ref('roleRef'), { minItems: 1 }), channels: list({ enum: [...CHANNELS] }, { minItems: 1, uniqueItems: true }) }, ['unacknowledged', 'notify']),
          ],
        },
        { description: 'Who is told when a task passes its deadline (after) or stays unacknowledged (unacknowledged), earliest first' },
      ),
      notify: obj({
        channels: obj(channelConfig),
        onStages: list({ enum: [...NOTIFY_STAGES] }, { uniqueItems: true }),
      }),
      review: obj({ owner: ref('roleRef'), within: ref('duration') }, ['owner']),
      drill: obj({
        description: text(),
        facts: { type: 'object', propertyNames: { pattern: FACT_PATTERN }, additionalProperties: scalar },
        faults: list(faultSchema),
        expect: list(expectSchema),
      }),
    },
    definitions: {
      id: { type: 'string', pattern: ID_PATTERN },
      roleRef: { type: 'string', pattern: ID_PATTERN, description: 'A role from roles, or owner-lead, commander, management' },
      duration: { type: 'string', pattern: DURATION_PATTERN, description: 'A whole number and a unit: 90s, 15m, 1h, 2d' },
      level: { enum: [...LEVELS], description: 'I 特别重大, II 重大, III 较大, IV 一般' },
      condition: {
        oneOf: [
          obj(
            { fact: { type: 'string', pattern: FACT_PATTERN }, ...Object.fromEntries(COMPARISONS.map((op) => [op, op === 'in' ? list(scalar, { minItems: 1 }) : op === 'eq' || op === 'ne' ? scalar : { type: 'number' }])) },
            ['fact'],
            { minProperties: 2, maxProperties: 2 },
          ),
          obj({ all: list(ref('condition'), { minItems: 1 }) }, ['all']),
          obj({ any: list(ref('condition'), { minItems: 1 }) }, ['any']),
          obj({ not: ref('condition') }, ['not']),
          obj({ always: { const: true } }, ['always']),
        ],
      },
      step: {
        type: 'object',
        required: ['id', 'type'],
        properties: { type: { enum: [...STEP_TYPES] } },
        allOf: STEP_TYPES.map((t) => ({ if: { properties: { type: { const: t } }, required: ['type'] }, then: stepSchemas[t] })),
      },
    },
  };
}
