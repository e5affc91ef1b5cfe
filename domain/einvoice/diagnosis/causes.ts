// The causes of an invoice that "is not in the system" (tax-platform.md's table), in the order a
// finance team checks them (seed 001: network, version, login and permission, the data itself,
// then ask support). Findings are always reported in this order.

import { DISCREPANCY_CAUSES } from '../../plan/vocabulary';

/** One list: the plan vocabulary's, which a plan's `reconcileInvoices causes:` names. */
export const DIAGNOSIS_CAUSES = DISCREPANCY_CAUSES;

/**
 * `network` network or platform outage, `version` a record in a form the system does not read,
 * `permission` login expired or outside the asker's scope, `data-entry` a near match or other facts,
 * `truly-missing` none of the others: a task for finance with the evidence attached.
 */
export type DiagnosisCause = (typeof DIAGNOSIS_CAUSES)[number];

export const CAUSE_NAMES: Readonly<Record<DiagnosisCause, { zh: string; en: string }>> = {
  network: { zh: '网络或平台故障', en: 'network or platform outage' },
  version: { zh: '版本或格式不兼容', en: 'version or format incompatibility' },
  permission: { zh: '登录或权限', en: 'login or permission' },
  'sync-delay': { zh: '同步延迟', en: 'sync delay' },
  'sync-failure': { zh: '同步失败', en: 'sync failure' },
  'data-entry': { zh: '录入错误', en: 'data entry error' },
  misfiled: { zh: '归档位置错误', en: 'misfiled' },
  'truly-missing': { zh: '确实缺失', en: 'truly missing' },
};

/** The seed's order, for sorting findings. */
export function causeRank(cause: DiagnosisCause): number {
  return DIAGNOSIS_CAUSES.indexOf(cause);
}
