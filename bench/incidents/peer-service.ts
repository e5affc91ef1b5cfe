// The fair peer's HTTP service, by hand on node:http: the API's own token check (verifyToken against
// the Yingji database), an Update-with-Start to launch, an Update to complete, a read from PostgreSQL.
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { TokenError, verifyToken } from '../../apps/api/src/auth/token-store';
import { complete, open, peerIncident } from './peer.workflow';

export interface PeerService {
  url: string;
  close(): Promise<void>;
}

export async function startPeerService(opts: { tokens: DataSource; rows: DataSource; client: Client; taskQueue: string }): Promise<PeerService> {
  const { tokens, rows, client, taskQueue } = opts;
  const routes = async (req: IncomingMessage): Promise<[number, unknown]> => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return [401, { message: 'a bearer token is required' }];
    try {
      await verifyToken(tokens, token);
    } catch (err) {
      if (err instanceof TokenError) return [401, { message: err.message }];
      throw err;
    }
    const url = new URL(req.url ?? '/', 'http://peer');
    if (req.method === 'POST' && url.pathname === '/incidents') {
      const id = `peer-${randomBytes(6).toString('hex')}`;
      const start = new WithStartWorkflowOperation(peerIncident, { workflowId: id, taskQueue, args: [id], workflowIdConflictPolicy: 'FAIL' });
      await client.workflow.executeUpdateWithStart(open, { startWorkflowOperation: start });
      return [201, { id }];
    }
    const completing = /^\/tasks\/([\w-]+)\/complete$/.exec(url.pathname);
    if (req.method === 'POST' && completing) {
      await client.workflow.getHandle(completing[1]).executeUpdate(complete);
      return [200, { id: completing[1], state: 'done' }];
    }
    if (req.method === 'GET' && url.pathname === '/tasks') {
      const incidentId = url.searchParams.get('incidentId');
      return [200, await rows.query(`SELECT incident_id AS id, kind, state FROM bench.peer_tasks WHERE incident_id = $1 ORDER BY created_at`, [incidentId])];
    }
    return [404, { message: `${req.method} ${url.pathname} is not a route` }];
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // no route reads a body
    req.on('end', () => {
      routes(req).then(
        ([status, body]) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (err: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: err.message })),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // the bench's keep-alive connections would hold close() open
      }),
  };
}
