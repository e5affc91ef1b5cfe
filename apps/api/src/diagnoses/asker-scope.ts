// Who is asking, as the diagnosis sees them: the regions and folders a person may see. The scope
// lives with the person in the team directory (YINGJI_DIRECTORY), e.g.
//   wu-gang: { name: 吴刚 Wu Gang, contacts: {...}, scope: { regions: ["11"], folders: [sales] } }
// A person without `scope` (or not in the directory) sees the whole company: scopes narrow, they
// are not needed to ask. Read on every question, so a corrected scope counts at once.
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { isProvinceCode } from '../../../../domain/einvoice';
import type { Asker } from '../../../../domain/einvoice/diagnosis';

/** The directory itself is wrong or unreadable: an operator's problem, not the asker's. */
export class ScopeError extends Error {
  override readonly name = 'ScopeError';
}

type Raw = { people?: Record<string, { scope?: { regions?: unknown; folders?: unknown } } | null> } | null;

function readPeople(directoryFile: string): NonNullable<Raw>['people'] {
  let text: string;
  try {
    text = fs.readFileSync(directoryFile, 'utf8');
  } catch (err) {
    throw new ScopeError(`the team directory ${directoryFile} cannot be read: ${(err as Error).message}`);
  }
  try {
    return (parse(text) as Raw)?.people ?? {};
  } catch (err) {
    throw new ScopeError(`the team directory ${directoryFile} is not YAML: ${(err as Error).message}`);
  }
}

function list(person: string, field: 'regions' | 'folders', value: unknown, valid: (v: string) => boolean, what: string): string[] | 'all' {
  if (value === undefined || value === 'all') return 'all';
  if (!Array.isArray(value)) throw new ScopeError(`people.${person}.scope.${field} must be a list of ${what} or "all"`);
  return value.map((v, i) => {
    const s = typeof v === 'number' ? String(v) : v;
    if (typeof s !== 'string' || !valid(s)) throw new ScopeError(`people.${person}.scope.${field}[${i}] ${JSON.stringify(v)} is not ${what}`);
    return s;
  });
}

/** Is this person in the directory (for asking on someone's behalf)? */
export function isInDirectory(directoryFile: string, person: string): boolean {
  return Object.prototype.hasOwnProperty.call(readPeople(directoryFile) ?? {}, person);
}

/** The person's scope from the directory; the whole company when none is set. */
export function askerScope(directoryFile: string, person: string): Asker {
  const people = readPeople(directoryFile) ?? {};
  const entry = Object.prototype.hasOwnProperty.call(people, person) ? people[person] : undefined;
  const scope = entry?.scope;
  if (scope === undefined || scope === null) return { id: person, regions: 'all', folders: 'all' };
  return {
    id: person,
    regions: list(person, 'regions', scope.regions, isProvinceCode, 'a province code (e.g. "11" for Beijing)'),
    folders: list(person, 'folders', scope.folders, (f) => f.length > 0 && f.length <= 200, 'a folder name'),
  };
}
