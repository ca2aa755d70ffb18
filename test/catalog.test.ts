import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import { BUILTIN_CATALOG } from '../src/fit/catalog/index.ts';
import { mergeCatalogs, parseCatalog } from '../src/fit/catalog/validate.ts';
import { fitOf } from './helpers.ts';

describe('built-in catalog', () => {
  it('GIVEN every model, file and device THEN each carries a source', () => {
    for (const m of BUILTIN_CATALOG.models) {
      expect(m.source, m.id).toBeTruthy();
      for (const f of m.files) expect(f.source, `${m.id} ${f.quant}`).toBeTruthy();
    }
    for (const h of BUILTIN_CATALOG.hardware) expect(h.source, h.id).toBeTruthy();
  });

  it('GIVEN every price THEN it is dated and sourced', () => {
    for (const h of BUILTIN_CATALOG.hardware) {
      for (const q of Object.values(h.prices ?? {})) {
        expect(q.date, h.id).toMatch(/^20\d\d(-\d\d)?$/);
        expect(q.source, h.id).toBeTruthy();
      }
    }
  });

  it('GIVEN ids THEN they are unique and validate against the public schema', () => {
    const ids = [...BUILTIN_CATALOG.models.map((m) => m.id), ...BUILTIN_CATALOG.hardware.map((h) => h.id)];
    expect(new Set(ids).size).toBe(ids.length);
    expect(() => parseCatalog(JSON.parse(JSON.stringify(BUILTIN_CATALOG)))).not.toThrow();
  });

  it('GIVEN published Maverick Q3-class files THEN they are 180–195 GB, not the ~150 GB a guide claims', () => {
    const maverick = BUILTIN_CATALOG.models.find((m) => m.id === 'llama-4-maverick');
    const q3 = maverick?.files.filter((f) => /Q3_K/.test(f.quant)) ?? [];
    expect(q3.length).toBeGreaterThan(0);
    for (const f of q3) expect(f.sizeGB).toBeGreaterThanOrEqual(180);
  });
});

describe('team catalogs', () => {
  it('GIVEN a team entry with a built-in id THEN it replaces the built-in one', () => {
    const team = parseCatalog({
      hardware: [
        {
          id: 'rtx-4090',
          name: 'RTX 4090 (ours)',
          kind: 'nvidia',
          memoryGB: 24,
          bandwidthGBps: 1008,
          pricePerHourUsd: 0.2,
        },
      ],
    });
    const merged = mergeCatalogs(BUILTIN_CATALOG, team);
    const r = fitOf('llama 3 8b', 'q4', 'rtx-4090', {}, merged);
    expect(r.evaluation.cost).toMatchObject({ basis: 'team-price', perHourUsd: 0.2 });
  });

  it('GIVEN a malformed catalog THEN one UserError lists every problem', () => {
    expect(() => parseCatalog({ models: [{ id: 'x', files: [] }], hardware: 'nope' })).toThrow(UserError);
    try {
      parseCatalog({ models: [{ id: 'x', files: [] }], hardware: 'nope' });
    } catch (error) {
      const message = (error as Error).message;
      for (const part of ['hardware must be a list', 'models[0].name', 'models[0].totalParamsB', 'models[0].files']) {
        expect(message).toContain(part);
      }
    }
  });
});
