// Builds the web console (apps/console) into dist/console: one script, its stylesheet and the page,
// everything served by the API itself; nothing is fetched from anywhere else at run time.
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const src = path.join(root, 'apps', 'console');
const out = path.join(root, 'dist', 'console');

async function main(): Promise<void> {
  fs.rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(src, 'src', 'main.tsx')],
    outdir: out,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(src, 'index.html'), path.join(out, 'index.html'));
}

main().catch((err) => {
  console.error(`console build failed: ${(err as Error).message}`);
  process.exit(1);
});
