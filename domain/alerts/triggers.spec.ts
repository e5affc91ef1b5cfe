import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyIncident } from '../incident/classify';
import { formatProblem, parsePlan } from '../plan/parse-plan';
import type { Plan } from '../plan/plan.types';
import { matchTriggers, TriggerFactError } from './triggers';
import type { IncomingAlert } from './triggers';

function plan(text: string): Plan {
  const res = parsePlan(text, { file: 'test.yaml' });
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.plan;
}
const shipped = (id: string) => plan(readFileSync(join(__dirname, '../../plans', `${id}.yaml`), 'utf8'));

/** A small plan with the given triggers (YAML, indented under `triggers:`). */
function withTriggers(id: string, triggers: string): Plan {
  return plan(`apiVersion: yingji/v1
kind: EmergencyPlan
id: ${id}
version: 2
title: 测试 Test
owner: it-ops
levels:
  - level: II
    when: { any: [ { fact: outageMinutes, gte: 60 }, { fact: dataLeaked, eq: true } ] }
  - level: III
    when: { fact: region, eq: east }
  - level: IV
    when: { always: true }
triggers:
${triggers}
roles:
  dba: { team: dba }
steps:
  - { id: check, type: manual, owner: dba }
`);
}

const alert = (labels: Record<string, string>, more: Partial<IncomingAlert> = {}): IncomingAlert => ({ source: 'alertmanager', labels, annotations: {}, ...more });

const FACTS = `    facts:
      outageMinutes: { label: outage_minutes, default: 0 }
      dataLeaked: { annotation: data_leaked, default: false }
      region: { label: region, default: west }`;

describe('matchTriggers', () => {
  const db = withTriggers(
    'db-down',
    `  - match: { alertname: InvoiceDatabaseDown, instance: { regex: "invoice-db-[0-9]+" } }
    launch: auto
${FACTS}
  - match: { alertname: InvoiceDatabaseSlow, severity: [critical, warning] }
    level: III
${FACTS}`,
  );

  it('matches a label equal to a value, and a regex that must match the whole value', () => {
    const m = matchTriggers([db], alert({ alertname: 'InvoiceDatabaseDown', instance: 'invoice-db-1' }));
    expect(m).toEqual({
      planId: 'db-down',
      planVersion: 2,
      trigger: 0,
      launch: 'auto',
      facts: { outageMinutes: 0, dataLeaked: false, region: 'west' },
      reason: 'triggers[0] of db-down: alertname = InvoiceDatabaseDown, instance =~ invoice-db-[0-9]+ (invoice-db-1)',
    });
    // Anchored, as in Prometheus: a value that only contains a match does not match.
    expect(matchTriggers([db], alert({ alertname: 'InvoiceDatabaseDown', instance: 'old-invoice-db-1' }))).toBeUndefined();
    expect(matchTriggers([db], alert({ alertname: 'InvoiceDatabaseDown', instance: 'invoice-db-1-replica' }))).toBeUndefined();
    // Every matcher must hold: a missing label does not match.
    expect(matchTriggers([db], alert({ alertname: 'InvoiceDatabaseDown' }))).toBeUndefined();
  });

  it('matches a severity from a list, read from the label or from an Events v2 event', () => {
    const fromLabel = matchTriggers([db], alert({ alertname: 'InvoiceDatabaseSlow', severity: 'warning' }));
    expect(fromLabel).toMatchObject({ trigger: 1, launch: 'propose', level: 'III' });
    expect(fromLabel?.reason).toBe('triggers[1] of db-down: alertname = InvoiceDatabaseSlow, severity in [critical, warning] (warning)');
    const event: IncomingAlert = { source: 'events', labels: { alertname: 'InvoiceDatabaseSlow' }, annotations: {}, severity: 'critical' };
    expect(matchTriggers([db], event)).toMatchObject({ trigger: 1 });
    expect(matchTriggers([db], { ...event, severity: 'info' })).toBeUndefined();
  });

  it('gives no match for an alert no trigger names, or plans without triggers', () => {
    expect(matchTriggers([db], alert({ alertname: 'DiskFull', severity: 'critical' }))).toBeUndefined();
    expect(matchTriggers([shipped('hello-drill')], alert({ alertname: 'InvoiceDatabaseDown' }))).toBeUndefined();
    expect(matchTriggers([], alert({ alertname: 'InvoiceDatabaseDown' }))).toBeUndefined();
  });

  it('takes the first plan in the given order whose trigger matches, then the first trigger', () => {
    const other = withTriggers('a-other', `  - match: { alertname: { regex: "InvoiceDatabase.*" } }\n${FACTS}`);
    const a = alert({ alertname: 'InvoiceDatabaseDown', instance: 'invoice-db-1' });
    expect(matchTriggers([other, db], a)?.planId).toBe('a-other');
    expect(matchTriggers([db, other], a)?.planId).toBe('db-down');
    expect(matchTriggers([db, other], alert({ alertname: 'InvoiceDatabaseGone' }))?.planId).toBe('a-other');
  });

  it('converts facts to the kind the level rules compare them as, so the incident classifies', () => {
    const m = matchTriggers([db], alert({ alertname: 'InvoiceDatabaseDown', instance: 'invoice-db-2', outage_minutes: '90', region: 'east' }, { annotations: { data_leaked: 'yes' } }));
    expect(m?.facts).toEqual({ outageMinutes: 90, dataLeaked: true, region: 'east' });
    expect(classifyIncident(db, m!.facts).level).toBe('II');
  });

  it('reads Events v2 details, already typed or as text', () => {
    const p = withTriggers(
      'events',
      `  - match: { source: billing }
    facts:
      outageMinutes: { detail: minutes }
      dataLeaked: { value: true }
      region: { detail: region, default: north }`,
    );
    const event = (values: Record<string, unknown>): IncomingAlert => ({ source: 'events', labels: { source: 'billing' }, annotations: {}, values });
    expect(matchTriggers([p], event({ minutes: 15 }))?.facts).toEqual({ outageMinutes: 15, dataLeaked: true, region: 'north' });
    expect(matchTriggers([p], event({ minutes: '7.5', region: 'east' }))?.facts).toEqual({ outageMinutes: 7.5, dataLeaked: true, region: 'east' });
  });

  it('names the fact and the label when a value cannot be converted or is missing', () => {
    const bad = alert({ alertname: 'InvoiceDatabaseDown', instance: 'invoice-db-1', outage_minutes: 'ninety' });
    expect(() => matchTriggers([db], bad)).toThrow(TriggerFactError);
    expect(() => matchTriggers([db], bad)).toThrow('triggers[0] of db-down: fact "outageMinutes": the alert\'s label "outage_minutes" is "ninety", not a number');
    const leak = alert({ alertname: 'InvoiceDatabaseDown', instance: 'invoice-db-1' }, { annotations: { data_leaked: 'perhaps' } });
    expect(() => matchTriggers([db], leak)).toThrow('fact "dataLeaked": the alert\'s annotation "data_leaked" is "perhaps", not true or false');

    const required = withTriggers('required', `  - match: { alertname: X }\n    facts:\n      outageMinutes: { label: outage_minutes }\n      dataLeaked: { value: false }\n      region: { value: west }`);
    let err: unknown;
    try {
      matchTriggers([required], alert({ alertname: 'X' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TriggerFactError);
    expect(err).toMatchObject({ fact: 'outageMinutes', planId: 'required', trigger: 0 });
    expect((err as Error).message).toBe('triggers[0] of required: fact "outageMinutes" needs the alert\'s label "outage_minutes", which the alert does not have (give the fact a default, or the alert the label)');
  });

  it('starts the shipped invoice-database plan at once on InvoiceDatabaseDown, at level II until someone counts', () => {
    const plans = ['einvoice-data-corruption', 'einvoice-data-leak', 'einvoice-db-crash', 'einvoice-missing-invoices', 'einvoice-tax-platform-outage'].map(shipped);
    const m = matchTriggers(plans, alert({ alertname: 'InvoiceDatabaseDown', severity: 'critical', system: 'einvoice' }));
    expect(m).toMatchObject({ planId: 'einvoice-db-crash', launch: 'auto', trigger: 0 });
    expect(classifyIncident(shipped('einvoice-db-crash'), m!.facts).level).toBe('II');
    expect(matchTriggers(plans, alert({ alertname: 'TaxPlatformUnreachable' }))).toMatchObject({ planId: 'einvoice-tax-platform-outage', launch: 'propose' });
    expect(matchTriggers(plans, alert({ alertname: 'FailedLoginBurst', severity: 'warning' }))).toMatchObject({ planId: 'einvoice-data-leak', launch: 'propose' });
  });
});
