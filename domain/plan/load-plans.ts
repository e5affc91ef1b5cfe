// The only part of domain/ that touches the file system: reading plan files and the team directory
// from disk. Everything it returns comes from the pure parsers.
import { readdirSync, readFileSync } from 'fs';
import { basename, join } from 'path';
import { parsePlan } from './parse-plan';
import type { ParsePlanResult } from './parse-plan';
import { loadDirectory } from '../responsibility/directory';
import type { LoadDirectoryResult } from '../responsibility/directory';
import type { Env } from '../yaml/reader';

export interface LoadedPlanFile {
  /** Path as read. */
  path: string;
  text: string;
  result: ParsePlanResult;
}

/** Reads and validates one plan file; problems name the file by its base name. */
export function loadPlanFile(path: string, env: Env = {}): LoadedPlanFile {
  const text = readFileSync(path, 'utf8');
  return { path, text, result: parsePlan(text, { file: basename(path), env }) };
}

/**
 * Every plan file in a folder (`*.yaml` / `*.yml`, sorted by name), skipping team directories
 * (`teams*.yaml`). Pass the plan variables explicitly, `planVariables(process.env)`, for `${NAME}`
 * (only YINGJI_PLAN_* names are ever read, whatever is passed).
 */
export function loadPlanDirectory(dir: string, env: Env = {}): LoadedPlanFile[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('teams'))
    .sort()
    .map((f) => loadPlanFile(join(dir, f), env));
}

export function loadDirectoryFile(path: string, env: Env = {}): LoadDirectoryResult {
  return loadDirectory(readFileSync(path, 'utf8'), { file: basename(path), env });
}
