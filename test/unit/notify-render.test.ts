// Plan messages filled for the notify channels: placeholders, facts, and gaps left visible.
import { renderMessage } from '../../activities/notify/render';

describe('renderMessage', () => {
  it('fills the placeholders of a plan message', () => {
    expect(renderMessage('发票库故障，{level}级，预计恢复 {rto}', { level: 'II', rto: '4h' })).toBe('发票库故障，II级，预计恢复 4h');
  });

  it('leaves unknown, undefined and null placeholders visible, never blank', () => {
    expect(renderMessage('{level}级 {rto} {rpo} {nope}', { level: 'I', rto: undefined, rpo: null })).toBe('I级 {rto} {rpo} {nope}');
    expect(renderMessage('{level}', {})).toBe('{level}');
  });

  it('keeps falsy but real values', () => {
    expect(renderMessage('{n} {ok} {empty}|', { n: 0, ok: false, empty: '' })).toBe('0 false |');
  });

  it('reads facts from vars.facts or flat fact.NAME keys', () => {
    expect(renderMessage('{fact.invoicesAffected} 张 {fact.missing}', { facts: { invoicesAffected: 25000 } })).toBe('25000 张 {fact.missing}');
    expect(renderMessage('{fact.region}', { 'fact.region': '华东' })).toBe('华东');
  });

  it('writes lists, dates and objects readably', () => {
    expect(renderMessage('{teams}', { teams: ['dba', 'finance'] })).toBe('dba, finance');
    expect(renderMessage('{at}', { at: new Date('2026-11-23T08:00:00Z') })).toBe('2026-11-23T08:00:00.000Z');
    expect(renderMessage('{o}', { o: { a: 1 } })).toBe('{"a":1}');
  });

  it('treats {{ and }} as literal braces and does not re-expand filled values', () => {
    expect(renderMessage('{{level}} {level}', { level: 'III' })).toBe('{level} III');
    expect(renderMessage('{title}', { title: '{level}', level: 'I' })).toBe('{level}');
  });

  it('is pure: the same input gives the same output and vars are not changed', () => {
    const vars = Object.freeze({ level: 'IV', facts: Object.freeze({ n: 1 }) });
    expect(renderMessage('{level} {fact.n}', vars)).toBe(renderMessage('{level} {fact.n}', vars));
  });
});
