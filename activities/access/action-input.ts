// What revokeAccess and rotateKeys read from a step's `with`: each value checked when the action
// runs (the plan was checked when published; a fact is only known now), every refusal naming the
// action, the parameter and what was wrong, before anything is changed.
import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { ActionRequest } from '../actions/actions.activities';

export const refuse = (message: string) => ApplicationFailure.nonRetryable(message, 'BadActionInput');

/** Refuses `with` keys the action does not take, naming them and the ones it does. */
export function onlyKnownKeys(req: ActionRequest, known: readonly string[]): void {
  const unknown = Object.keys(req.with).filter((k) => !known.includes(k));
  if (unknown.length) throw refuse(`${req.action}: unknown with key(s) ${unknown.join(', ')}; it takes ${known.join(', ')}`);
}

/** A list of words (`kinds`, `keys`), each one of `allowed`. */
export function wordList(req: ActionRequest, name: string, allowed: readonly string[]): string[] {
  const v = req.with[name];
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string')) throw refuse(`${req.action}: with.${name} must be a list of ${allowed.join(', ')}`);
  const unknown = (v as string[]).filter((x) => !allowed.includes(x));
  if (unknown.length) throw refuse(`${req.action}: with.${name} has unknown value(s) ${unknown.join(', ')}; expected ${allowed.join(', ')}`);
  return [...new Set(v as string[])];
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,127}$/;

/**
 * A list of names given in the plan or as `{ fact: NAME }`, the incident's fact (entered when the step
 * that provides it was completed, or given at launch):
 * a list of texts, or one text of names separated by commas or spaces. Undefined when absent.
 */
export async function nameList(ds: DataSource, req: ActionRequest, name: string, opts: { all?: boolean } = {}): Promise<string[] | 'all' | undefined> {
  let v = req.with[name];
  let where = `with.${name}`;
  if (v === undefined) return undefined;
  if (v && typeof v === 'object' && !Array.isArray(v) && 'fact' in v) {
    const fact = String((v as { fact: unknown }).fact);
    const row = (await ds.query(`SELECT facts FROM incidents WHERE id = $1`, [req.incidentId]))[0] as { facts: Record<string, unknown> } | undefined;
    if (!row) throw refuse(`${req.action}: no incident ${req.incidentId}`);
    if (!(fact in row.facts)) throw refuse(`${req.action}: ${where} is the fact "${fact}", which incident ${req.incidentId} does not have; enter it when completing the step that provides it (yingji task complete <task> --fact ${fact}=...) or give it at launch`);
    v = row.facts[fact];
    where = `${where} (fact "${fact}")`;
  }
  if (opts.all && v === 'all') return 'all';
  const names = typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v;
  if (!Array.isArray(names) || names.some((x) => typeof x !== 'string')) throw refuse(`${req.action}: ${where} must be a list of names${opts.all ? ' or "all"' : ''}, not ${JSON.stringify(v)}`);
  const bad = (names as string[]).filter((x) => !NAME_RE.test(x));
  if (bad.length) throw refuse(`${req.action}: ${where} has names that are not account names: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return [...new Set(names as string[])];
}

/** An optional true/false. */
export function flag(req: ActionRequest, name: string): boolean | undefined {
  const v = req.with[name];
  if (v === undefined || typeof v === 'boolean') return v;
  throw refuse(`${req.action}: with.${name} must be true or false, not ${JSON.stringify(v)}`);
}

/** Everything an action did, and what it could not do: a step that could not do all it was asked fails, saying both. */
export function doneOrFail(action: string, done: string[], notDone: string[]): string {
  const did = done.length ? done.join('; ') : 'nothing changed';
  if (notDone.length) throw ApplicationFailure.nonRetryable(`${action} did: ${did}. NOT done, do it by hand: ${notDone.join('; ')}`, 'ActionIncomplete');
  return did;
}
