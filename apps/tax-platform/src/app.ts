// The simulator's HTTP surface: the platform's calls under /api (faults apply), the admin calls
// under /_sim (a bearer secret when one is set). Answers are `{code: '00', message, data}` or
// `{code, message}`; the tenant is the X-Sim-Tenant header (default: production's).
import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { NextFunction, Request, Response } from 'express';
import type { Pool } from 'pg';
import { OK, PLATFORM_CODES, PlatformError, SIM_CODES, badData } from './codes';
import { ListInvoicesDto, LoginDto, OneInvoiceDto, SummaryDto, UploadInvoicesDto, UploadResultDto } from './dto';
import { FAULT_KINDS, FaultStore, parseFault, parseUntil } from './faults';
import type { ActiveFaults, FaultKind } from './faults';
import { ImportHistoryDto, importHistory } from './history';
import { Platform } from './platform';
import { stats } from './stats';
import { copyTenant, dropTenant, parseTaxpayers } from './tenants';
import { checked } from './validation';

export const TENANT_HEADER = 'x-sim-tenant';
/** The tenant production's sync uses; drills name their own. */
export const DEFAULT_TENANT = 'production';
const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

type Locals = { tenant: string; faults: ActiveFaults };
const locals = (res: Response) => res.locals as Locals;

function tenantOf(req: Request, res: Response, next: NextFunction): void {
  const t = req.header(TENANT_HEADER) ?? DEFAULT_TENANT;
  if (!TENANT.test(t)) throw new PlatformError(SIM_CODES.BAD_REQUEST, `${TENANT_HEADER} must be 1-63 characters a-z, 0-9, _ or - (starting with a letter or digit), got ${JSON.stringify(t.slice(0, 80))}`);
  locals(res).tenant = t;
  next();
}

function adminGuard(token: string | undefined) {
  const want = token ? Buffer.from(`Bearer ${token}`) : undefined;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (want) {
      const got = Buffer.from(req.header('authorization') ?? '');
      if (got.length !== want.length || !timingSafeEqual(got, want)) throw new PlatformError(SIM_CODES.UNAUTHORIZED, 'the admin calls need Authorization: Bearer <TAX_PLATFORM_ADMIN_TOKEN>');
    }
    next();
  };
}

/** The tenant's faults, in the order a caller meets them: down, slow, logged out, erroring. */
function applyFaults(store: FaultStore) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const faults = await store.active(locals(res).tenant);
    locals(res).faults = faults;
    if (faults.outage) {
      res.status(503).json({ code: PLATFORM_CODES.UNSTABLE, message: 'the platform is down (outage)' });
      return;
    }
    if (faults.slow) await sleep(faults.slow.ms);
    if (faults['session-expired'] && req.path !== '/login') throw new PlatformError(PLATFORM_CODES.LOGIN_EXPIRED, 'login expired: log in again (POST /api/login)');
    if (faults.error && Math.random() < faults.error.share) throw new PlatformError(faults.error.code, `platform error ${faults.error.code} (simulated)`);
    next();
  };
}

const ok = (res: Response, data: unknown) => res.json({ code: OK, message: 'ok', data });

export function createTaxPlatformApp(db: Pool, opts: { adminToken?: string }): express.Express {
  const platform = new Platform(db);
  const faults = new FaultStore(db);
  const app = express();
  app.disable('x-powered-by');
  // 5,000 rows of about 300 bytes each, with room to spare.
  app.use(express.json({ limit: '8mb' }));
  // For the stack's start-up wait: the process serves, whatever faults a tenant has switched on.
  app.get('/health', (_req, res) => ok(res, { status: 'ok' }));
  app.use(tenantOf);

  const api = express.Router();
  api.use(applyFaults(faults));
  api.post('/login', async (req, res) => {
    const dto = await checked(LoginDto, req.body, 'login');
    const cleared = await faults.clear(locals(res).tenant, 'session-expired');
    ok(res, { nsrsbh: dto.nsrsbh, relogged: cleared.length > 0 });
  });
  api.post('/QDFPSC', async (req, res) => {
    const dto = await checked(UploadInvoicesDto, req.body, 'upload (QDFPSC)');
    ok(res, await platform.upload(locals(res).tenant, dto, locals(res).faults));
  });
  api.post('/CXQDFPSCJG', async (req, res) => {
    const dto = await checked(UploadResultDto, req.body, 'upload result (CXQDFPSCJG)');
    ok(res, await platform.result(locals(res).tenant, dto.sllsh));
  });
  api.get('/invoices', async (req, res) => {
    ok(res, await platform.list(locals(res).tenant, await checked(ListInvoicesDto, { ...req.query }, 'list')));
  });
  api.get('/invoices/:fphm', async (req, res) => {
    ok(res, await platform.one(locals(res).tenant, await checked(OneInvoiceDto, { ...req.query, fphm: req.params.fphm }, 'invoice')));
  });
  api.get('/SCFPHZQRXX', async (req, res) => {
    ok(res, await platform.summary(locals(res).tenant, await checked(SummaryDto, { ...req.query }, 'summary (SCFPHZQRXX)')));
  });
  api.post('/SCFPHZQRXX/confirm', async (req, res) => {
    ok(res, await platform.confirm(locals(res).tenant, await checked(SummaryDto, req.body, 'summary confirmation (SCFPHZQRXX)')));
  });
  app.use('/api', api);

  const admin = express.Router();
  admin.use(adminGuard(opts.adminToken));
  // `lifted`: faults that ended by themselves, each with its `until` (when the platform came back).
  admin.get('/faults', async (_req, res) =>
    ok(res, { tenant: locals(res).tenant, faults: await faults.list(locals(res).tenant, 'active'), lifted: await faults.list(locals(res).tenant, 'lifted') }),
  );
  admin.post('/faults', async (req, res) => {
    const fault = parseFault(req.body);
    const until = parseUntil(req.body, new Date());
    await faults.set(locals(res).tenant, fault, until);
    ok(res, { tenant: locals(res).tenant, fault: until ? { ...fault, until: until.toISOString() } : fault });
  });
  admin.delete('/faults', async (req, res) => {
    const kind = req.query.kind;
    if (kind !== undefined && !(FAULT_KINDS as readonly unknown[]).includes(kind)) {
      throw new PlatformError(SIM_CODES.BAD_REQUEST, `unknown fault kind ${JSON.stringify(kind)}; the kinds are ${FAULT_KINDS.join(', ')}`);
    }
    ok(res, { tenant: locals(res).tenant, cleared: await faults.clear(locals(res).tenant, kind as FaultKind | undefined) });
  });
  admin.get('/stats', async (_req, res) => ok(res, await stats(db, locals(res).tenant)));
  // A drill's tenant: a copy of what another tenant (production's) holds for the drill's taxpayers,
  // and gone with the drill. Production's own tenant is never overwritten or dropped through here.
  admin.post('/tenant/copy', async (req, res) => {
    const tenant = locals(res).tenant;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const from = body.from ?? DEFAULT_TENANT;
    if (typeof from !== 'string' || !TENANT.test(from)) throw new PlatformError(SIM_CODES.BAD_REQUEST, `from must be a tenant name, got ${JSON.stringify(from)}`);
    if (tenant === DEFAULT_TENANT || tenant === from) throw new PlatformError(SIM_CODES.BAD_REQUEST, `refusing to overwrite tenant "${tenant}": name the drill's own tenant in ${TENANT_HEADER}`);
    const taxpayers = parseTaxpayers(body.taxpayers);
    ok(res, { tenant, from, taxpayers: taxpayers.length, ...(await copyTenant(db, tenant, from, taxpayers)) });
  });
  admin.delete('/tenant', async (_req, res) => {
    const tenant = locals(res).tenant;
    if (tenant === DEFAULT_TENANT) throw new PlatformError(SIM_CODES.BAD_REQUEST, `refusing to drop production's tenant "${DEFAULT_TENANT}": name the drill's own tenant in ${TENANT_HEADER}`);
    await dropTenant(db, tenant);
    ok(res, { tenant, dropped: true });
  });
  admin.post('/history', async (req, res) => ok(res, await importHistory(db, locals(res).tenant, await checked(ImportHistoryDto, req.body, 'history import'))));
  app.use('/_sim', admin);

  app.use((req: Request) => {
    throw new PlatformError(SIM_CODES.NOT_FOUND, `no call ${req.method} ${req.path.slice(0, 200)}`);
  });
  app.use((err: Error & { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err?.type === 'entity.parse.failed') err = badData(`request body is not valid JSON: ${err.message}`);
    if (err?.type === 'entity.too.large') err = new PlatformError(PLATFORM_CODES.BAD_DATA, 'request body is over 8 MB (a batch holds at most 5,000 rows)', {}, 413);
    if (err instanceof PlatformError) {
      res.status(err.httpStatus).json(err.body());
      return;
    }
    console.error('tax-platform: internal error:', err);
    res.status(500).json({ code: 'internal', message: 'the simulator failed on this call; see its log' });
  });
  return app;
}
