// A robot's answers that no retry can change: the secret or key is wrong, the robot is gone, or its
// security settings refuse the message. Each is named by its code and a short meaning of our own;
// the far side's own text is never kept (it may quote what was sent). Limits (DingTalk 410100,
// Feishu 11232, WeCom 45009) are not here: they pass, so a retry may succeed.
export const FINAL_REFUSALS: Record<'dingtalk' | 'feishu' | 'wecom', Record<number, string>> = {
  dingtalk: {
    300001: 'the access token is not known: check the robot URL',
    310000: "the robot's security settings refused it (signature, timestamp, keyword or IP): check the secret",
    400102: 'the robot is stopped',
  },
  feishu: {
    19001: 'the webhook token is not known: check the robot URL',
    19021: 'the signature does not match or the timestamp is off by more than an hour: check the secret',
    19022: "the robot's IP allow-list refused it",
    19024: "the message lacks the robot's keyword",
  },
  wecom: {
    93000: 'the webhook key is not known: check the robot URL',
  },
};

/** The meaning of a refusal that a retry cannot fix, or undefined. */
export function finalRefusal(format: string, code: number): string | undefined {
  return (FINAL_REFUSALS as Record<string, Record<number, string>>)[format]?.[code];
}
