// The tax-platform fault kinds of drill.faults: accepted with their settings, refused with the same
// clear errors as every other kind, and the earlier names still accepted as the same faults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { formatProblem, parsePlan } from './parse-plan';
import { FAULTS } from './vocabulary';

const HELLO = readFileSync(join(__dirname, '..', '..', 'plans', 'hello-drill.yaml'), 'utf8');
const withFaults = (...faults: string[]) => `${HELLO}\ndrill:\n  faults:\n${faults.map((f) => `    - ${f}\n`).join('')}`;
const parsed = (...faults: string[]) => {
  const res = parsePlan(withFaults(...faults), { file: 'p.yaml' });
  if (!res.ok) throw new Error(res.problems.map(formatProblem).join('\n'));
  return res.plan.drill?.faults;
};
const problems = (...faults: string[]) => {
  const res = parsePlan(withFaults(...faults), { file: 'p.yaml' });
  return res.ok ? [] : res.problems.map(formatProblem);
};
const schema = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(join(__dirname, '..', '..', 'plans', 'plan.schema.json'), 'utf8')) as object);
const schemaAccepts = (...faults: string[]) => schema(parse(withFaults(...faults)));

describe('tax-platform fault kinds in drill.faults', () => {
  it('accepts each kind with its settings (durations also in ms), in the validator and the JSON Schema', () => {
    const faults = [
      '{ kind: platform-outage, duration: 3h }',
      '{ kind: platform-slow, latency: 15s, duration: 30m }',
      '{ kind: sync-delay, delay: 30m }',
      '{ kind: sync-drop, share: 0.2, duration: 1h }',
      '{ kind: session-expired }',
    ];
    expect(parsed(...faults)).toEqual([
      { kind: 'platform-outage', duration: '3h', durationMs: 3 * 3600_000 },
      { kind: 'platform-slow', latency: '15s', latencyMs: 15_000, duration: '30m', durationMs: 1800_000 },
      { kind: 'sync-delay', delay: '30m', delayMs: 1800_000 },
      { kind: 'sync-drop', share: 0.2, duration: '1h', durationMs: 3600_000 },
      { kind: 'session-expired' },
    ]);
    expect(schemaAccepts(...faults)).toBe(true);
  });

  it('keeps the earlier names as the same faults (aliases), with their earlier settings', () => {
    const faults = ['{ kind: tax-platform-outage, duration: 3h }', '{ kind: tax-platform-delay, duration: 20m }', '{ kind: tax-platform-drop-records, share: 0.1 }'];
    expect(parsed(...faults)).toEqual([
      { kind: 'tax-platform-outage', duration: '3h', durationMs: 3 * 3600_000 },
      { kind: 'tax-platform-delay', duration: '20m', durationMs: 1200_000 },
      { kind: 'tax-platform-drop-records', share: 0.1 },
    ]);
    expect(schemaAccepts(...faults)).toBe(true);
    expect(FAULTS['tax-platform-outage'].aliasOf).toBe('platform-outage');
    expect(FAULTS['tax-platform-delay'].aliasOf).toBe('sync-delay');
    expect(FAULTS['tax-platform-drop-records'].aliasOf).toBe('sync-drop');
  });

  it('refuses a missing setting, a setting of another kind, a bad duration or share, naming the line and the fault', () => {
    const line = HELLO.split('\n').length + 3;
    expect(problems('{ kind: platform-slow, duration: 1h }')).toEqual([`p.yaml:${line}:7 drill.faults[0].latency: missing required field "latency" (platform-slow needs latency)`]);
    expect(problems('{ kind: sync-delay }')).toEqual([`p.yaml:${line}:7 drill.faults[0].delay: missing required field "delay" (sync-delay needs delay)`]);
    const [other] = problems('{ kind: platform-outage, latency: 5s }');
    expect(other).toContain('drill.faults[0].latency');
    expect(other).toContain('platform-outage has no setting "latency"; its settings are invoices, duration');
    expect(problems('{ kind: sync-drop, share: 1.5 }')[0]).toContain('drill.faults[0].share: expected a share between 0 and 1 (e.g. 0.05 for 5%), found the number 1.5');
    expect(problems('{ kind: platform-outage, duration: 3 hours }')[0]).toContain('drill.faults[0].duration');
    expect(schemaAccepts('{ kind: platform-slow, duration: 1h }')).toBe(false);
    expect(schemaAccepts('{ kind: sync-drop, share: 1.5 }')).toBe(false);
  });

  it('refuses an unknown kind, suggesting the nearest and listing every kind', () => {
    const [p] = problems('{ kind: platform-outag }');
    expect(p).toContain('drill.faults[0].kind: unknown value "platform-outag" (did you mean "platform-outage"?); expected a fault kind: ');
    for (const kind of ['platform-outage', 'platform-slow', 'sync-delay', 'sync-drop', 'session-expired', 'tax-platform-outage']) expect(p).toContain(kind);
    expect(schemaAccepts('{ kind: platform-outag }')).toBe(false);
  });
});
