// The deployment's own IM robots: one home for the names of their settings, read by the worker
// (webhook.ts) and set by `yingji up` for its local robot server (apps/im-robots).

/**
 * The deployment's own robots, set by the operator like YINGJI_WEBHOOK_URL (`yingji up` points them
 * at its local robot server): a plan that names `wecom`, `dingtalk` or `feishu` in a notify step
 * without `notify.channels.<robot>.url` sends there, signed with the deployment's secret if any.
 */
export const DEPLOYMENT_ROBOTS: Readonly<Record<string, { url: string; secret?: string }>> = {
  wecom: { url: 'YINGJI_WECOM_URL' },
  dingtalk: { url: 'YINGJI_DINGTALK_URL', secret: 'YINGJI_DINGTALK_SECRET' },
  feishu: { url: 'YINGJI_FEISHU_URL', secret: 'YINGJI_FEISHU_SECRET' },
};
