// What the test run must never write to a log: the support code records each token it issues and
// each backup key it hands to a worker into YINGJI_TEST_SECRETS_FILE (set by scripts/test.sh, kept
// outside the scanned log folder, mode 0600); the after-run scan looks for every one of them.
import * as fs from 'node:fs';

export interface RecordedSecret {
  kind: 'token' | 'backup key';
  /** Where it came from, for the report (never the secret itself). */
  label: string;
  value: string;
}

/** Appends one secret to the run's secrets file; nothing when the run does not scan (a single test run by hand). */
export function recordSecret(kind: RecordedSecret['kind'], label: string, value: string): void {
  const file = process.env.YINGJI_TEST_SECRETS_FILE;
  if (!file || !value) return;
  fs.appendFileSync(file, JSON.stringify({ kind, label, value }) + '\n', { mode: 0o600 });
}

/** The backup keys a process with this environment would use: YINGJI_BACKUP_KEY and the key file it names, or `keyFile`. */
export function recordBackupKeys(env: NodeJS.ProcessEnv, keyFile?: string): void {
  const single = env.YINGJI_BACKUP_KEY;
  if (single?.includes(':')) recordSecret('backup key', `YINGJI_BACKUP_KEY ${single.slice(0, single.indexOf(':'))}`, single.slice(single.indexOf(':') + 1));
  for (const file of [env.YINGJI_BACKUP_KEYS_FILE, keyFile]) {
    if (!file || !fs.existsSync(file)) continue;
    try {
      const keys = (JSON.parse(fs.readFileSync(file, 'utf8')) as { keys?: Record<string, unknown> }).keys ?? {};
      for (const [id, secret] of Object.entries(keys)) if (typeof secret === 'string') recordSecret('backup key', `key ${id} of ${file}`, secret.trim());
    } catch {
      // a broken key file (a test of refusals) holds nothing a worker could use
    }
  }
}

/** Every secret recorded so far, each once (an absent file: none). */
export function readSecrets(file: string): RecordedSecret[] {
  if (!fs.existsSync(file)) return [];
  const byValue = new Map<string, RecordedSecret>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const s = JSON.parse(line) as RecordedSecret;
    if (!byValue.has(s.value)) byValue.set(s.value, s);
  }
  return [...byValue.values()];
}
