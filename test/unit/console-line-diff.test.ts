import { lineDiff, withContext } from '../../apps/console/src/screens/line-diff';

// The plans screen's diff between two versions: what a reader sees as removed, added and kept.
describe('console line diff', () => {
  const show = (a: string, b: string) => lineDiff(a, b).map((l) => `${l.kind === 'added' ? '+' : l.kind === 'removed' ? '-' : ' '}${l.text} ${l.oldLine ?? '_'}/${l.newLine ?? '_'}`);

  it('shows a changed line as removed then added, with both line numbers on kept lines', () => {
    expect(show('a\nversion: 1\nc', 'a\nversion: 2\nc')).toEqual([' a 1/1', '-version: 1 2/_', '+version: 2 _/2', ' c 3/3']);
  });

  it('numbers inserted and deleted lines in their own text', () => {
    expect(show('a\nb\nc\nd', 'a\nx\nb\nd\ne')).toEqual([' a 1/1', '+x _/2', ' b 2/3', '-c 3/_', ' d 4/4', '+e _/5']);
    expect(show('', 'a')).toEqual(['- 1/_', '+a _/1']);
    expect(lineDiff('same\ntext', 'same\ntext').every((l) => l.kind === 'same')).toBe(true);
  });

  it('keeps the changed lines with their context and marks each gap once', () => {
    const a = Array.from({ length: 20 }, (_, k) => `line ${k + 1}`).join('\n');
    const b = a.replace('line 10', 'line ten');
    const shown = withContext(lineDiff(a, b), 2);
    expect(shown.map((l) => (l === null ? '…' : l.text))).toEqual(['…', 'line 8', 'line 9', 'line 10', 'line ten', 'line 11', 'line 12', '…']);
  });
});
