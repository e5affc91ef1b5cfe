// The next plan version's draft: the published text with its version raised and each accepted
// improvement item written as a comment at the step it concerns, for the plan owner to act on.

export interface ImprovementItem {
  /** The incident or drill whose review accepted it. */
  source: string;
  stepId?: string;
  text: string;
  owner: string;
  due: string;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const comment = (indent: string, i: ImprovementItem) => `${indent}# 改进 TODO (${i.source}; owner ${i.owner}; due ${i.due}): ${oneLine(i.text)}`;

export function draftNextVersion(sourceText: string, items: ImprovementItem[]): { text: string; version: number; placed: number; general: number } {
  const lines = sourceText.split('\n');
  const versionAt = lines.findIndex((l) => /^version:\s*\d+/.test(l));
  if (versionAt === -1) throw new Error('the plan text has no top-level "version: N" line');
  const version = Number(/^version:\s*(\d+)/.exec(lines[versionAt])![1]) + 1;
  lines[versionAt] = lines[versionAt].replace(/^version:\s*\d+/, `version: ${version}`);

  const general: ImprovementItem[] = [];
  const atStep = new Map<number, ImprovementItem[]>();
  for (const item of items) {
    const step = item.stepId;
    const at = step === undefined ? -1 : lines.findIndex((l) => new RegExp(`^\\s*- id:\\s*${step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(#.*)?$`).test(l));
    if (at === -1) general.push(item);
    else atStep.set(at, [...(atStep.get(at) ?? []), item]);
  }
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (i === versionAt && general.length) {
      out.push(`# 草稿 DRAFT of version ${version}: review the TODO comments, then publish.`);
      for (const item of general) out.push(comment('', item));
    } else if (i === versionAt) out.push(`# 草稿 DRAFT of version ${version}: review the TODO comments, then publish.`);
    for (const item of atStep.get(i) ?? []) out.push(comment(/^\s*/.exec(line)![0], item));
    out.push(line);
  }
  return { text: out.join('\n'), version, placed: items.length - general.length, general: general.length };
}
