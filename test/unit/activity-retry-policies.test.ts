import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';

// An activity retried forever on data it can never store jams its incident for good (issue 11).
// Every proxy in workflows/ must end: a maximumAttempts or a scheduleToCloseTimeout. Read from the
// source with the TypeScript compiler, so a new proxy without one fails here, naming where it is.
const dir = path.join(__dirname, '..', '..', 'workflows');

interface Proxy {
  where: string;
  /** The option names set on the proxy, `retry.x` for the retry policy's. */
  options: string[];
  literal: boolean;
}

/** The proxies made in `file`, each named by its path under `root` and its line. */
function proxiesIn(file: string, root = dir): Proxy[] {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: Proxy[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && /^proxy(Local)?Activities$/.test(node.expression.text)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      const arg = node.arguments[0];
      const options: string[] = [];
      if (arg && ts.isObjectLiteralExpression(arg)) {
        for (const p of arg.properties) {
          if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) continue;
          options.push(p.name.text);
          if (p.name.text === 'retry' && ts.isObjectLiteralExpression(p.initializer)) {
            for (const r of p.initializer.properties) if (ts.isPropertyAssignment(r) && ts.isIdentifier(r.name)) options.push(`retry.${r.name.text}`);
          }
        }
      }
      found.push({ where: `${path.relative(root, file)}:${line + 1}`, options, literal: !!arg && ts.isObjectLiteralExpression(arg) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The proxies whose activities could be retried forever, each named by file and line. */
const endless = (ps: Proxy[]) =>
  ps
    .filter((p) => !p.literal || !(p.options.includes('retry.maximumAttempts') || p.options.includes('scheduleToCloseTimeout')))
    .map((p) => `${p.where} (${p.literal ? p.options.join(', ') || 'no options' : 'options not written out where the proxy is made'})`);

// Every file under workflows/, folders too (emergency-plan/ has the incident's proxies).
const sources = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
const proxies = sources.flatMap((f) => proxiesIn(path.join(dir, f)));

describe('every activity a workflow calls has a retry policy that ends', () => {
  it('finds the proxies of every workflow file that makes one', () => {
    const making = sources.filter((f) => fs.readFileSync(path.join(dir, f), 'utf8').includes('proxyActivities<'));
    expect(making).toEqual(expect.arrayContaining(['emergency-plan/activities.ts', 'restore-by-priority.workflow.ts', 'recovery-test.workflow.ts', 'compliance-check.workflow.ts']));
    expect(new Set(proxies.map((p) => p.where.split(':')[0]))).toEqual(new Set(making));
  });

  it('gives each proxy its options as a literal, with maximumAttempts or a scheduleToCloseTimeout', () => {
    expect(endless(proxies)).toEqual([]);
  });

  it('would catch a proxy without an end', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-')), 'bad.workflow.ts');
    fs.writeFileSync(file, "const a = proxyActivities<X>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second' } });\nconst b = proxyActivities<X>(opts);\n");
    expect(endless(proxiesIn(file, path.dirname(file)))).toEqual([
      'bad.workflow.ts:1 (startToCloseTimeout, retry, retry.initialInterval)',
      'bad.workflow.ts:2 (options not written out where the proxy is made)',
    ]);
  });
});
