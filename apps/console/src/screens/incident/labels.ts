// Bilingual names for the states and kinds the API reports (the API's own word stays beside them).
const STATES: Record<string, string> = {
  pending: '未开始',
  running: '进行中',
  waiting: '等待中',
  failed: '失败',
  done: '完成',
  skipped: '跳过',
  open: '待处理',
  acknowledged: '已确认',
  closed: '已关闭',
  delivered: '已送达',
  sent: '已发送',
  unavailable: '不可用',
};
const STEP_TYPES: Record<string, string> = { manual: '人工', automated: '自动', notify: '通知', decision: '决策', review: '复盘' };

export const stateZh = (state: string) => STATES[state] ?? state;
export const typeZh = (type: string) => STEP_TYPES[type] ?? type;
