import { renderPrometheus } from './metrics';

describe('renderPrometheus', () => {
  it('writes HELP, TYPE and one sample per metric; a metric without a value has no sample', () => {
    expect(
      renderPrometheus([
        { name: 'yingji_a_total', help: 'A counter.', type: 'counter', value: 3 },
        { name: 'yingji_b_seconds', help: 'Two\nlines \\ here.', type: 'gauge', value: 1763880000.5 },
        { name: 'yingji_c', help: 'None yet.', type: 'gauge' },
      ]),
    ).toBe(
      [
        '# HELP yingji_a_total A counter.',
        '# TYPE yingji_a_total counter',
        'yingji_a_total 3',
        '# HELP yingji_b_seconds Two\\nlines \\\\ here.',
        '# TYPE yingji_b_seconds gauge',
        'yingji_b_seconds 1763880000.5',
        '# HELP yingji_c None yet.',
        '# TYPE yingji_c gauge',
        '',
      ].join('\n'),
    );
  });
});
