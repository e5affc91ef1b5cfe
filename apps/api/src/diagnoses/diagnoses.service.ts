import { BadRequestException, HttpException, Inject, Injectable, InternalServerErrorException, Logger, OnModuleDestroy, ServiceUnavailableException } from '@nestjs/common';
import type { Pool } from 'pg';
import { resilientPool } from '../../../shared/pg-pool';
import { countByCause, DIAGNOSIS_CAUSES, diagnoseInvoice, reconcile } from '../../../../domain/einvoice/diagnosis';
import type { Asker, InvoiceQuestion, ReconcileQuestion } from '../../../../domain/einvoice/diagnosis';
import { chinaDate } from '../../../../domain/einvoice/diagnosis';
import { invoiceDiagnosisInputFromLedger, reconcileInputFromLedger } from '../../../../activities/invoices/diagnosis-inputs';
import { ledgerRowOf } from '../../../../activities/invoices/ledger';
import { syncFactsAt } from '../../../../activities/invoices/sync-facts';
import { createTaxPlatformClient, platformListing, platformLookup } from '../../../../activities/tax-platform';
import type { RetryPolicy } from '../../../../activities/tax-platform';
import type { YingjiConfig } from '../../../shared/config';
import { AuditSubject, AuditTrail } from '../auth/audit-trail';
import { Caller, hasRole, inTeam } from '../auth/caller';
import { YINGJI_CONFIG } from '../config.token';
import { askerScope, isInDirectory, ScopeError } from './asker-scope';
import type { Asked, DiagnosisAnswer } from './diagnosis-answer';
import type { DiagnoseDto } from './diagnose.dto';
import { QuestionError, questionOf, subjectOf } from './diagnosis-question';

/** Teams whose members may ask (the tax team is tax-sync); commanders may too. */
export const DIAGNOSIS_TEAMS = ['finance', 'tax-sync'] as const;
const ACTION = 'diagnosis.ask';
/** A person waits for the answer: a few quick retries, then the outage is the answer. */
export const DIAGNOSIS_RETRY: Partial<RetryPolicy> = { maxAttempts: 4, initialDelayMs: 250, maxDelayMs: 2_000, maxElapsedMs: 15_000 };

/** The directory is the operator's to fix: the caller gets the reason, not a bare 500. */
function fromDirectory<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ScopeError) throw new InternalServerErrorException(err.message);
    throw err;
  }
}

/**
 * "This invoice is not in the system": the invoice database (read without the asker's scope, which
 * the core judges) and production's platform tenant, diagnosed by the core; every question audited.
 */
@Injectable()
export class DiagnosesService implements OnModuleDestroy {
  private pool?: Pool;
  private readonly log = new Logger('Diagnoses');

  constructor(
    @Inject(YINGJI_CONFIG) private readonly config: YingjiConfig,
    private readonly audit: AuditTrail,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.pool?.end();
  }

  private ledger(): Pool {
    this.pool ??= resilientPool({ connectionString: this.config.invoiceDatabaseUrl, max: 4 }, 'the invoice database', (m) => this.log.warn(m));
    return this.pool;
  }

  async diagnose(dto: DiagnoseDto, caller: Caller): Promise<DiagnosisAnswer> {
    const subject = subjectOf(dto);
    const asker = await this.askerFor(caller, dto.as, subject);
    const now = new Date();
    let q;
    try {
      q = questionOf(dto, now);
    } catch (err) {
      if (err instanceof QuestionError) throw await this.badInput(caller, subject, err.message);
      throw err;
    }
    const asked = { asker, askedBy: caller.person, checkedInOrder: DIAGNOSIS_CAUSES };
    try {
      return q.kind === 'invoice' ? await this.diagnoseOne(q.question, asked, caller, subject, now) : await this.reconcileOne(q.question, q.role, asked, caller, subject, now);
    } catch (err) {
      if (err instanceof HttpException) throw err;
      // Asked but not answered is in the trail too; the database's address and error stay in the log.
      await this.audit.ok(caller, ACTION, subject, { onBehalfOf: asker.id, error: (err as Error).name }, 'failed');
      if (typeof (err as { code?: unknown }).code === 'string') {
        this.log.error(`invoice database: ${(err as Error).message}`);
        throw new ServiceUnavailableException('the invoice database could not be read; the API log has the reason');
      }
      throw err;
    }
  }

  private async diagnoseOne(question: InvoiceQuestion, asked: Asked, caller: Caller, subject: AuditSubject, now: Date): Promise<DiagnosisAnswer> {
    // The platform finds an invoice by number and issue date; the ledger's row gives the date when the person does not.
    const local = await ledgerRowOf(this.ledger(), question.invoiceNo);
    const issueDate = question.issueDate ?? (local && chinaDate(local.issuedAt));
    if (!issueDate) {
      throw await this.badInput(caller, subject, `date is required: invoice ${question.invoiceNo} is not in the ledger, and the platform finds an invoice by its number and issue date (yyyy-MM-dd)`);
    }
    const platform = await platformLookup(this.platform(question.sellerTaxId ?? local?.sellerTaxId ?? question.buyerTaxId), question.invoiceNo, issueDate);
    const diagnosis = diagnoseInvoice(await invoiceDiagnosisInputFromLedger(this.ledger(), question, asked.asker, platform, syncFactsAt(now)));
    await this.audit.ok(caller, ACTION, subject, { onBehalfOf: asked.asker.id, question, outcome: diagnosis.outcome, causes: diagnosis.findings.map((f) => f.cause) });
    return { ...asked, kind: 'invoice', question, diagnosis };
  }

  private async reconcileOne(question: ReconcileQuestion, role: 'seller' | 'buyer', asked: Asked, caller: Caller, subject: AuditSubject, now: Date): Promise<DiagnosisAnswer> {
    const listing = await platformListing(this.platform(question.taxpayer), { ...question, role });
    const reconciliation = reconcile(await reconcileInputFromLedger(this.ledger(), question, role, asked.asker, listing, syncFactsAt(now)));
    const counts = countByCause(reconciliation);
    await this.audit.ok(caller, ACTION, subject, { onBehalfOf: asked.asker.id, question: { ...question, role }, discrepancies: reconciliation.discrepancies.length, counts });
    return { ...asked, kind: 'reconciliation', role, counts, reconciliation };
  }

  /**
   * Finance and tax-sync members and commanders may ask; only a commander may ask with another
   * person's scope (to see what that person sees). Refusals are 403s in the audit trail.
   */
  private async askerFor(caller: Caller, as: string | undefined, subject: AuditSubject): Promise<Asker> {
    const commander = hasRole(caller, 'commander');
    if (!commander && !DIAGNOSIS_TEAMS.some((t) => inTeam(caller, t))) {
      throw await this.audit.forbid(caller, ACTION, subject, `diagnoses are for the ${DIAGNOSIS_TEAMS.join(' and ')} teams and commanders; ${caller.person} is in ${caller.teams.join(', ') || 'no team'} as ${caller.roles.join(', ')}`);
    }
    const person = as ?? caller.person;
    if (person !== caller.person) {
      if (!commander) throw await this.audit.forbid(caller, ACTION, subject, `only a commander may ask as another person; ${caller.person} asked as ${person}`);
      if (!fromDirectory(() => isInDirectory(this.config.directoryFile, person))) throw await this.badInput(caller, subject, `as: "${person}" is not a person of the team directory`);
    }
    return fromDirectory(() => askerScope(this.config.directoryFile, person));
  }

  private async badInput(caller: Caller, subject: AuditSubject, message: string): Promise<BadRequestException> {
    await this.audit.denied(caller, ACTION, subject, message);
    return new BadRequestException(message);
  }

  /** Production's tenant. The taxpayer is who the client logs in again for on a 1101. */
  private platform(taxpayer: string | undefined) {
    return createTaxPlatformClient({ baseUrl: this.config.taxPlatformUrl, taxpayer: taxpayer ?? '', retry: DIAGNOSIS_RETRY });
  }
}
