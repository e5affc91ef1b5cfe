// Choosing the restore chain from the backup catalog, and checking chain links (domain/backup/chain.ts).
import fc from 'fast-check';
import { CatalogEntry, checkChainLinks, RestoreChainError, shortestRestoreChain } from '../../domain/backup/chain';

const day = (d: number, h = 0) => `2025-03-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00.000Z`;

function full(id: string, at: string, status = 'verified'): CatalogEntry {
  return { id, kind: 'full', parentId: null, baseFullId: null, takenAt: at, pointInTime: at, status };
}
function diff(id: string, base: string, at: string, status = 'verified'): CatalogEntry {
  return { id, kind: 'differential', parentId: base, baseFullId: base, takenAt: at, pointInTime: at, status };
}
function inc(id: string, parent: string, base: string, at: string, status = 'verified'): CatalogEntry {
  return { id, kind: 'incremental', parentId: parent, baseFullId: base, takenAt: at, pointInTime: at, status };
}

// A week: full on the 1st, incrementals every day, a differential on the 4th, more incrementals after it.
const week: CatalogEntry[] = [
  full('f1', day(1)),
  inc('i2', 'f1', 'f1', day(2)),
  inc('i3', 'i2', 'f1', day(3)),
  diff('d4', 'f1', day(4)),
  inc('i5', 'd4', 'f1', day(5)),
  inc('i6', 'i5', 'f1', day(6)),
];

describe('shortestRestoreChain', () => {
  it('takes the full alone when the point is the full', () => {
    const r = shortestRestoreChain(week, day(1, 12));
    expect(r.ids).toEqual(['f1']);
    expect(r.pointInTime).toBe(day(1));
    expect(r.requested).toBe(day(1, 12));
    expect(r.passedOver).toEqual([]);
  });

  it('applies incrementals in order before the differential exists', () => {
    expect(shortestRestoreChain(week, day(3, 5)).ids).toEqual(['f1', 'i2', 'i3']);
  });

  it('lets the differential shortcut the incrementals before it', () => {
    expect(shortestRestoreChain(week, day(4)).ids).toEqual(['f1', 'd4']);
    expect(shortestRestoreChain(week, day(6, 23)).ids).toEqual(['f1', 'd4', 'i5', 'i6']);
  });

  it('accepts Date values as catalog rows give them', () => {
    const rows = week.map((e) => ({ ...e, pointInTime: new Date(e.pointInTime), takenAt: new Date(e.takenAt) }));
    expect(shortestRestoreChain(rows, new Date(day(5, 1))).ids).toEqual(['f1', 'd4', 'i5']);
  });

  it('starts from the second full once it exists', () => {
    const cat = [...week, full('f7', day(7)), inc('i8', 'f7', 'f7', day(8))];
    expect(shortestRestoreChain(cat, day(8, 1)).ids).toEqual(['f7', 'i8']);
    expect(shortestRestoreChain(cat, day(5, 1)).ids).toEqual(['f1', 'd4', 'i5']);
  });

  it('prefers a full to a chain ending at the same point', () => {
    const cat = [...week, full('f6', day(6))];
    expect(shortestRestoreChain(cat, day(6, 1)).ids).toEqual(['f6']);
  });

  it('skips failed, running and corrupt entries; failed jobs are not in any later chain', () => {
    const cat = [
      full('f1', day(1)),
      inc('i2', 'f1', 'f1', day(2)),
      inc('i3', 'i2', 'f1', day(3), 'failed'),
      inc('i4', 'i2', 'f1', day(4), 'completed'),
      inc('i5', 'i4', 'f1', day(5), 'running'),
    ];
    const r = shortestRestoreChain(cat, day(9));
    expect(r.ids).toEqual(['f1', 'i2', 'i4']);
    expect(r.passedOver).toEqual([{ id: 'i5', pointInTime: day(5), cause: 'status', reason: 'incremental i5 is running' }]);
  });

  it('uses only verified backups when asked', () => {
    const cat = [full('f1', day(1)), inc('i2', 'f1', 'f1', day(2)), inc('i3', 'i2', 'f1', day(3), 'completed')];
    expect(shortestRestoreChain(cat, day(9)).ids).toEqual(['f1', 'i2', 'i3']);
    expect(shortestRestoreChain(cat, day(9), { usableStatuses: ['verified'] }).ids).toEqual(['f1', 'i2']);
  });

  it('falls back past a broken link and names it; strict refuses', () => {
    const cat = week.map((e) => (e.id === 'i5' ? { ...e, status: 'corrupt' } : e));
    const r = shortestRestoreChain(cat, day(6, 12));
    expect(r.ids).toEqual(['f1', 'd4']);
    expect(r.passedOver.map((p) => [p.id, p.cause])).toEqual([
      ['i6', 'broken'],
      ['i5', 'status'],
    ]);
    expect(r.passedOver[0].reason).toBe("broken link: i6's parent i5 is corrupt");
    expect(() => shortestRestoreChain(cat, day(6, 12), { strict: true })).toThrow("broken link: i6's parent i5 is corrupt");
  });

  it('a differential whose incrementals are broken still restores', () => {
    const cat = week.map((e) => (e.id === 'i2' ? { ...e, status: 'corrupt' } : e));
    expect(shortestRestoreChain(cat, day(6, 12)).ids).toEqual(['f1', 'd4', 'i5', 'i6']);
    expect(shortestRestoreChain(cat, day(3, 12)).ids).toEqual(['f1']);
  });

  it('names a link missing from the catalog', () => {
    const cat = week.filter((e) => e.id !== 'i2');
    expect(() => shortestRestoreChain(cat, day(3, 1), { strict: true })).toThrow("missing link: i3's parent i2 is not in the catalog");
    const r = shortestRestoreChain(cat, day(3, 1));
    expect(r.ids).toEqual(['f1']);
    expect(r.passedOver[0]).toMatchObject({ id: 'i3', cause: 'broken' });
  });

  it('explains why there is no chain', () => {
    expect(() => shortestRestoreChain([], day(1))).toThrow('the catalog is empty');
    expect(() => shortestRestoreChain(week, day(1).replace('T00', 'T00').replace('03-01', '02-28'))).toThrow(
      'no backup is consistent at or before 2025-02-28T00:00:00.000Z: the earliest is full f1 as of 2025-03-01T00:00:00.000Z',
    );
    const noFull = [full('f1', day(1), 'corrupt'), inc('i2', 'f1', 'f1', day(2))];
    expect(() => shortestRestoreChain(noFull, day(3))).toThrow('no usable full backup at or before 2025-03-03T00:00:00.000Z (f1 is corrupt)');
    const orphan = [full('f1', day(1), 'failed'), inc('i2', 'f0', 'f0', day(2))];
    expect(() => shortestRestoreChain(orphan, day(3))).toThrow(RestoreChainError);
    expect(() => shortestRestoreChain(week, 'yesterday')).toThrow('requested point in time: "yesterday" is not a date-time');
    // A day that does not exist is refused, not rolled over to March 2.
    expect(() => shortestRestoreChain(week, '2026-02-30T12:00:00Z')).toThrow('requested point in time: "2026-02-30T12:00:00Z" is not a date-time');
    expect(() => shortestRestoreChain([...week, full('f1', day(9))], day(9))).toThrow('the catalog lists backup f1 twice');
  });

  it('refuses links that contradict their kind or base full', () => {
    const wrongBase = [full('f1', day(1)), full('f2', day(2)), inc('i3', 'f1', 'f2', day(3))];
    const r = shortestRestoreChain(wrongBase, day(3));
    expect(r.ids).toEqual(['f2']);
    expect(r.passedOver[0].reason).toContain('belongs to full f2, not to f1');
    const diffOffInc = [full('f1', day(1)), inc('i2', 'f1', 'f1', day(2)), diff('d3', 'i2', day(3))];
    diffOffInc[2].baseFullId = 'f1';
    expect(shortestRestoreChain(diffOffInc, day(3)).passedOver[0].reason).toContain("a differential's parent is its full backup (f1)");
  });
});

describe('checkChainLinks', () => {
  const f1 = full('f1', day(1));
  it('accepts a valid chain with contiguous change ranges', () => {
    const chain = [
      { ...f1, toChange: '100' },
      { ...diff('d2', 'f1', day(2)), fromChange: '100', toChange: '180' },
      { ...inc('i3', 'd2', 'f1', day(3)), fromChange: '180', toChange: '200' },
    ];
    expect(checkChainLinks(chain)).toEqual([]);
  });

  it('names the missing link', () => {
    const p = checkChainLinks([f1, inc('i3', 'i2', 'f1', day(3))]);
    expect(p).toEqual([{ index: 1, id: 'i3', missing: 'i2', message: 'missing link: incremental i3 (link 2 of 2) has parent i2, which is not in the chain (it goes f1 -> i3)' }]);
  });

  it('finds a chain that does not start with a full, extra links, gaps and time going backwards', () => {
    expect(checkChainLinks([inc('i2', 'f1', 'f1', day(2))])[0]).toMatchObject({ missing: 'f1', message: 'the chain starts with incremental i2, not with a full backup; its base full is f1' });
    expect(checkChainLinks([f1, inc('i2', 'f1', 'f1', day(2)), diff('d3', 'f1', day(3))])[0].message).toBe(
      'differential d3 (link 3 of 3) follows i2, but its parent is f1: i2 do not belong between them',
    );
    expect(checkChainLinks([{ ...f1, toChange: '100' }, { ...inc('i2', 'f1', 'f1', day(2)), fromChange: '120' }])[0].message).toBe(
      'change gap: incremental i2 (link 2 of 2) starts at change 120, but f1 ends at change 100',
    );
    expect(checkChainLinks([full('f1', day(5)), inc('i2', 'f1', 'f1', day(2))])[0].message).toContain('before f1');
    expect(checkChainLinks([f1, full('f2', day(2))])[0].message).toContain('second full backup');
    expect(checkChainLinks([])[0].message).toContain('empty');
  });
});

// A scheduler that takes fulls, differentials and incrementals at random over time, the way a real
// one would: parents are the last successful backup (a differential's is the last successful full).
// Some backups are later found corrupt, which breaks the chains running through them.
const catalogArb = fc
  .array(fc.record({ kind: fc.constantFrom('full', 'differential', 'incremental', 'incremental', 'incremental'), fate: fc.constantFrom('verified', 'completed', 'verified', 'failed', 'corrupt') }), {
    minLength: 1,
    maxLength: 30,
  })
  .map((steps) => {
    const cat: CatalogEntry[] = [];
    let lastFull: string | null = null;
    let last: string | null = null;
    steps.forEach((s, n) => {
      const at = new Date(Date.UTC(2025, 0, 1) + n * 3600_000).toISOString();
      const id = `b${n}`;
      const kind = s.kind === 'full' || !lastFull ? 'full' : s.kind;
      const parentId = kind === 'full' ? null : kind === 'differential' ? lastFull : last;
      cat.push({ id, kind: kind as CatalogEntry['kind'], parentId, baseFullId: kind === 'full' ? null : lastFull, takenAt: at, pointInTime: at, status: s.fate });
      if (s.fate !== 'failed') {
        last = id;
        if (kind === 'full') lastFull = id;
      }
    });
    return cat;
  });

/** Brute force: every usable backup's chain by parent links, if every link is usable. */
function allValidChains(cat: CatalogEntry[], target: number): CatalogEntry[][] {
  const usable = (e?: CatalogEntry) => !!e && (e.status === 'verified' || e.status === 'completed');
  const byId = new Map(cat.map((e) => [e.id, e]));
  const out: CatalogEntry[][] = [];
  for (const end of cat) {
    if (Date.parse(end.pointInTime as string) > target || !usable(end)) continue;
    const chain = [end];
    let ok = true;
    while (chain[0].kind !== 'full') {
      const p = byId.get(chain[0].parentId as string);
      if (!usable(p)) {
        ok = false;
        break;
      }
      chain.unshift(p as CatalogEntry);
    }
    if (ok && checkChainLinks(chain).length === 0) out.push(chain);
  }
  return out;
}

describe('shortestRestoreChain against brute force', () => {
  it('ends at the latest reachable backup at or before the point, with the shortest chain there', () => {
    fc.assert(
      fc.property(catalogArb, fc.nat(40), (cat, hour) => {
        const target = Date.UTC(2025, 0, 1) + hour * 3600_000 - 1;
        const chains = allValidChains(cat, target);
        let got;
        try {
          got = shortestRestoreChain(cat, new Date(target));
        } catch (e) {
          expect(e).toBeInstanceOf(RestoreChainError);
          expect(chains).toEqual([]);
          return;
        }
        expect(chains.length).toBeGreaterThan(0);
        const best = Math.max(...chains.map((c) => Date.parse(c[c.length - 1].pointInTime as string)));
        const shortest = Math.min(...chains.filter((c) => Date.parse(c[c.length - 1].pointInTime as string) === best).map((c) => c.length));
        expect(Date.parse(got.pointInTime)).toBe(best);
        expect(got.entries.length).toBe(shortest);
        expect(checkChainLinks(got.entries)).toEqual([]);
        expect(got.entries.every((e) => e.status === 'verified' || e.status === 'completed')).toBe(true);
        // Everything later than the chosen point is accounted for.
        const later = cat.filter((e) => Date.parse(e.pointInTime as string) > best && Date.parse(e.pointInTime as string) <= target);
        expect(got.passedOver.map((p) => p.id).sort()).toEqual(later.map((e) => e.id).sort());
      }),
      { numRuns: 500 },
    );
  });
});
