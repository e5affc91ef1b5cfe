import { Command } from 'commander';
import { verifyEvidenceBundle } from '../../../activities/evidence/bundle';

/** `yingji evidence verify <bundle-dir>`: checks an evidence bundle offline against its manifest. */
export function evidenceCommands(): Command {
  const cmd = new Command('evidence').description('evidence bundles written by the snapshotEvidence action');
  cmd
    .command('verify <bundle-dir>')
    .description("recompute every file's SHA-256 against manifest.json; exit 1 naming the first file that differs")
    .action((dir: string) => {
      const check = verifyEvidenceBundle(dir);
      if (check.ok) {
        console.log(`${dir}: verified, ${check.files} files match the manifest (bundle SHA-256 ${check.bundleSha256})`);
        return;
      }
      console.error(`${dir}: NOT verified: ${check.bad!.file} ${check.bad!.reason}`);
      process.exitCode = 1;
    });
  return cmd;
}
