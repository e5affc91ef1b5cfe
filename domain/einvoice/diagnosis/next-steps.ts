// What a person should do next, for each cause and reason: one sentence in Chinese and English,
// with the evidence's own values so it can be read without the rest of the report.
import { CAUSE_NAMES } from './causes';
import type { DiagnosisCause } from './causes';
import type { Bilingual, EvidenceOf, Finding } from './diagnosis.types';
import { adviceFor, describeCode } from './platform-codes';

function minutes(ms: number): string {
  return `${Math.max(1, Math.round(ms / 60_000))}`;
}

const NEXT_STEP: { [C in DiagnosisCause]: (e: EvidenceOf[C]) => Bilingual } = {
  network: (e) => ({
    zh: `税务平台不可用（${describeCode(e.code).zh}，已重试 ${e.attempts} 次）：检查网络与平台公告，平台恢复后重新诊断或执行重新同步。`,
    en: `The tax platform is not available (${describeCode(e.code).en}, ${e.attempts} attempts): check the network and the platform's notices, then diagnose again or resync once it is back.`,
  }),
  version: (e) => ({
    zh: `${e.where === 'local' ? '本地记录' : '平台记录'}的类型“${e.kind}”${e.formatVersion ? `（格式版本 ${e.formatVersion}）` : ''}本系统无法读取：请升级发票系统或联系供应商转换该记录。`,
    en: `The ${e.where} record's kind "${e.kind}"${e.formatVersion ? ` (format version ${e.formatVersion})` : ''} is not one this system reads: upgrade the invoice system or ask the vendor to convert the record.`,
  }),
  permission: (e) =>
    e.reason === 'login-expired'
      ? { zh: `税务平台登录已失效（${e.code}）：请重新登录税务数字账户后再查。`, en: `The tax platform login has expired (${e.code}): log in to the tax digital account again, then check again.` }
      : {
          zh: `发票在本地，但不在提问人的${e.outside.map((o) => (o === 'region' ? `地区（${e.rowRegion}）` : `目录（${e.rowFolder}）`)).join('和')}权限范围内：请管理员核对该账号的权限。`,
          en: `The invoice is here but outside the asker's ${e.outside.map((o) => (o === 'region' ? `region (${e.rowRegion})` : `folder (${e.rowFolder})`)).join(' and ')} scope: ask an administrator to check the account's rights.`,
        },
  'sync-delay': (e) =>
    e.reason === 'not-local-yet'
      ? { zh: `平台上已有，开票仅 ${minutes(e.ageMs)} 分钟，仍在同步延迟窗口内：请在 ${minutes(e.platformDelayMs - e.ageMs)} 分钟后再查。`, en: `On the platform, issued only ${minutes(e.ageMs)} min ago, within the sync delay window: check again after ${minutes(e.platformDelayMs - e.ageMs)} min.` }
      : e.reason === 'not-uploaded-yet'
        ? { zh: `本地待同步，开票 ${minutes(e.ageMs)} 分钟，下一次同步会上传：请在 ${minutes(e.syncIntervalMs - e.ageMs)} 分钟后再查。`, en: `Pending locally, issued ${minutes(e.ageMs)} min ago; the next sync uploads it: check again after ${minutes(e.syncIntervalMs - e.ageMs)} min.` }
        : { zh: `平台已受理 ${minutes(e.ageMs)} 分钟，尚未显示，仍在平台延迟窗口内：请在 ${minutes(e.platformDelayMs - e.ageMs)} 分钟后再查。`, en: `Accepted by the platform ${minutes(e.ageMs)} min ago, not shown yet, within its delay window: check again after ${minutes(e.platformDelayMs - e.ageMs)} min.` },
  'sync-failure': (e) =>
    e.reason === 'failed'
      ? {
          zh: `同步失败${e.code ? `（平台代码 ${describeCode(e.code).zh}）` : ''}：${adviceFor(e.code)?.zh ?? '修正原因后对该发票执行重新同步'}。`,
          en: `Sync failed${e.code ? ` (platform code ${describeCode(e.code).en})` : ''}: ${adviceFor(e.code)?.en ?? 'fix the cause, then resync this invoice'}.`,
        }
      : e.reason === 'pending-too-long'
        ? { zh: `待同步已 ${minutes(e.ageMs)} 分钟，超过同步间隔：检查同步任务并执行重新同步。`, en: `Pending for ${minutes(e.ageMs)} min, past the sync interval: check the sync schedule and resync.` }
        : { zh: `平台受理后 ${minutes(e.ageMs)} 分钟仍未显示，已超过延迟窗口（可能丢失）：重新同步该发票。`, en: `Still not on the platform ${minutes(e.ageMs)} min after it was accepted, past the delay window (likely lost): resync this invoice.` },
  'data-entry': (e) =>
    e.reason === 'near-number'
      ? { zh: `${e.foundIn === 'local' ? '本地' : '平台'}有相近号码 ${e.nearInvoiceNo}（第 ${e.position} 位${e.difference === 'one-digit' ? '不同' : '与下一位颠倒'}）：请核对纸面或版式文件上的号码并更正录入。`, en: `The ${e.foundIn} has a near number ${e.nearInvoiceNo} (digit ${e.position} ${e.difference === 'one-digit' ? 'differs' : 'swapped with the next'}): check the number on the invoice and correct the entry.` }
      : { zh: `号码相同但${e.differences.map((d) => FIELD_ZH[d.field]).join('、')}不一致：请核对原始发票并更正录入。`, en: `Same number but a different ${e.differences.map((d) => FIELD_EN[d.field]).join(', ')}: check the original invoice and correct the entry.` },
  misfiled: (e) => ({
    zh: `发票归档在“${e.folder}”下，应在“${e.expectedFolder}”：请移到正确目录。`,
    en: `The invoice is filed under "${e.folder}", expected "${e.expectedFolder}": move it to the right folder.`,
  }),
  'truly-missing': (e) => ({
    zh: `以上原因均已排除（本地${e.local === 'present' ? '有' : '无'}，平台${e.platform === 'present' ? '有' : '无'}）：作为财务任务处理并附全部证据，请联系税务平台客服核实。`,
    en: `None of the other causes holds (local: ${e.local}, platform: ${e.platform}): hand it to finance as a task with all the evidence attached, and ask the tax platform's support to check.`,
  }),
};

const FIELD_ZH = { amount: '金额', issueDate: '开票日期', sellerTaxId: '销方税号', buyerTaxId: '购方税号' } as const;
const FIELD_EN = { amount: 'amount', issueDate: 'issue date', sellerTaxId: 'seller tax id', buyerTaxId: 'buyer tax id' } as const;

/** A finding with its next step. */
export function finding<C extends DiagnosisCause>(cause: C, evidence: EvidenceOf[C]): Extract<Finding, { cause: C }> {
  const nextStep = (NEXT_STEP[cause] as (e: EvidenceOf[C]) => Bilingual)(evidence);
  return { cause, evidence, nextStep } as unknown as Extract<Finding, { cause: C }>;
}

/** `原因 / cause: next step` in both languages, for a one-line summary. */
export function describeFinding(f: Finding): Bilingual {
  const name = CAUSE_NAMES[f.cause];
  return { zh: `${name.zh}：${f.nextStep.zh}`, en: `${name.en}: ${f.nextStep.en}` };
}

/** The evidence as `field: value` lines (durations also in minutes), for a terminal or a task. */
export function evidenceLines(f: Finding): string[] {
  return Object.entries(f.evidence).map(([field, value]) => {
    if (typeof value === 'number' && field.endsWith('Ms')) return `${field}: ${value} (${minutes(value)} min)`;
    return `${field}: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
  });
}
