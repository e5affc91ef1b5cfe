// One address for the cluster's API processes: Debian's haproxy (scripts/ensure-haproxy.sh),
// round robin, each API health-checked on /health so a dead one is skipped within seconds.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterLayout } from './layout';

export function findHaproxy(): string {
  const found = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => fs.existsSync(p));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error('haproxy is not installed: run scripts/ensure-haproxy.sh (as root it installs the Debian package)');
}

export const apiPortOf = (l: ClusterLayout, n: number) => l.apiPort + n;

export function renderHaproxyConfig(l: ClusterLayout): string {
  const servers = Array.from({ length: l.apis }, (_, i) => `  server api-${i + 1} 127.0.0.1:${apiPortOf(l, i + 1)} check inter 1s fall 3 rise 1`);
  return `# Written by \`yingji cluster up\` (apps/cli/src/cluster/haproxy.ts); rewritten on every start.
global
  maxconn 4096

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # An API busy with a burst answers /health late, not never: a check times out after 5 s (not the
  # 1 s interval), and three missed in a row take an API out; a dead one refuses connections at
  # once (its requests go to the other) and is out after 3 s.
  timeout check 5s
  # A request that could not connect (a dead API) goes to the other; one that reached an API is
  # never sent twice (a launch or a task completion must not be repeated).
  retries 2
  option redispatch
  retry-on conn-failure

frontend api
  bind 127.0.0.1:${l.apiPort}
  default_backend apis

backend apis
  balance roundrobin
  option httpchk GET /health
${servers.join('\n')}
`;
}

/** Writes the config and returns haproxy's arguments (foreground: `-db`, so the pid file is ours). */
export function haproxyArgs(l: ClusterLayout): string[] {
  const file = path.join(l.dir, 'haproxy.cfg');
  fs.writeFileSync(file, renderHaproxyConfig(l));
  const check = spawnSync(findHaproxy(), ['-c', '-q', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy refused ${file}:\n${check.stdout}${check.stderr}`);
  return ['-db', '-f', file];
}
