// rotateKeys without a database: where keys can and cannot be rotated, the refusals that change
// nothing, and the key file's rotation lock.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { createKeyRotationActions, rotationKeyId } from '../../activities/access/rotate-keys-action';
import type { ActionRequest } from '../../activities/actions/actions.activities';
import { generateKeyFile, loadKeyring, readKeyFile, rotateKeyFile } from '../../activities/backup/keys/keyring';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-rotate-'));
  file = path.join(dir, 'keys.json');
  generateKeyFile(file);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** No database: any use of it fails the test (a refusal must come before any write). */
const noDb = new Proxy({}, { get: () => { throw new Error('the database was used'); } }) as DataSource;
const req = (w: Record<string, unknown>, mode = 'live'): ActionRequest => ({ incidentId: 'inc-20261202-ab12cd', stepId: 'rotate-keys', action: 'rotateKeys', with: w, mode });
const fromFile = () => createKeyRotationActions(noDb, () => loadKeyring({ YINGJI_BACKUP_KEYS_FILE: file })).rotateKeys;

describe('rotateKeys refuses before changing anything', () => {
  const unchanged = () => expect(readKeyFile(file).ids()).toEqual(['k1']);

  it('with keys only in the environment, saying a new key cannot be stored there', async () => {
    const rotate = createKeyRotationActions(noDb, () => loadKeyring({ YINGJI_BACKUP_KEY: `k1:${randomBytes(32).toString('base64')}` })).rotateKeys;
    await expect(rotate(req({ keys: ['backup-encryption'] }))).rejects.toThrow(
      'rotateKeys: the backup keys come from YINGJI_BACKUP_KEY (the environment), where a new key cannot be stored; use a key file (YINGJI_BACKUP_KEYS_FILE) to rotate',
    );
  });

  it.each([
    [{ keys: ['backup-encryption'], keepOldForReading: false }, /keepOldForReading: false is refused: every backup written under an old key would become unreadable/],
    [{ keys: ['backup-encryption'], reencryptLatest: true }, /reencryptLatest is not built yet/],
    [{ keys: ['backup-encryption'], reencrypt: true }, /unknown with key\(s\) reencrypt; it takes keys, keepOldForReading, reencryptLatest/],
    [{ keys: ['backup-key'] }, /with\.keys has unknown value\(s\) backup-key; expected backup-encryption, manifest-signing, api-signing/],
    [{}, /with\.keys must be a list of/],
  ])('%j', async (w, message) => {
    await expect(fromFile()(req(w))).rejects.toThrow(message);
    unchanged();
  });

  it('in a drill: production keys are not rotated, the outcome says what would be', async () => {
    const r = await fromFile()(req({ keys: ['backup-encryption', 'api-signing'] }, 'live-drill'));
    expect(r.outcome).toBe("演练中不执行 not run in a drill: the backup keys are production's; would rotate backup-encryption, api-signing");
    unchanged();
  });
});

describe('rotation key ids', () => {
  it('name the incident and the step, so a retry finds its key; too long, a digest stands for the step', () => {
    expect(rotationKeyId('inc-20261202-ab12cd', 'rotate-keys')).toBe('inc-20261202-ab12cd.rotate-keys');
    const long = rotationKeyId('inc-20261202-ab12cd', 'rotate-every-key-and-credential-the-invoice-system-has');
    expect(long).toMatch(/^inc-20261202-ab12cd\.[0-9a-f]{16}$/);
    expect(rotationKeyId('inc-20261202-ab12cd', 'rotate-every-key-and-credential-the-invoice-system-has')).toBe(long);
  });
});

describe('rotateKeyFile', () => {
  it('keeps every old key and the file mode 0600; a second rotation while one runs is refused, not lost', () => {
    const first = readKeyFile(file).get('k1').check;
    expect(rotateKeyFile(file, 'k2')).toBe('k2');
    const ring = readKeyFile(file);
    expect(ring.current().id).toBe('k2');
    expect(ring.get('k1').check).toBe(first);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.writeFileSync(`${file}.lock`, '1');
    expect(() => rotateKeyFile(file)).toThrow(`key file ${file} is being rotated by another process (${file}.lock exists; remove it if no rotation is running)`);
    expect(readKeyFile(file).ids()).toEqual(['k1', 'k2']);
    fs.rmSync(`${file}.lock`);
    expect(rotateKeyFile(file)).toBe('k3');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });
});
