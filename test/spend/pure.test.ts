import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/command/split.ts';
import { jobCost } from '../../src/spend/pricing.ts';
import { isoWeekOf, parseIsoWeek } from '../../src/spend/week.ts';

describe('jobCost', () => {
  it('GIVEN a rented pod THEN price per GPU-hour × GPUs × seconds', () => {
    const c = jobCost({ provider: 'runpod', gpuCount: 2, pricePerGpuHourUsd: 3.29 }, 36);
    expect(c.costUsd).toBeCloseTo((3.29 * 2 * 36) / 3600, 12);
    expect(c.gpuSeconds).toBe(72);
    expect(c.basis).toBe('2 GPU × $3.29/GPU-h × 36.00 s busy');
  });
  it('GIVEN a local GPU THEN board power × seconds × price per kWh, plus amortisation', () => {
    const c = jobCost(
      { provider: 'local', gpuCount: 1, powerW: 450, usdPerKwh: 0.2, amortisationUsdPerHour: 0.1 },
      3600,
    );
    expect(c.costUsd).toBeCloseTo(0.45 * 0.2 + 0.1, 12);
  });
  it('GIVEN a server with 4 slots THEN a job pays a quarter of the box for its busy time', () => {
    const c = jobCost({ provider: 'runpod', gpuCount: 2, slots: 4, pricePerGpuHourUsd: 3.29 }, 36);
    expect(c.costUsd).toBeCloseTo((3.29 * 2 * 36) / 3600 / 4, 12);
    expect(c.gpuSeconds).toBe(18);
    expect(c.basis).toBe('2 GPU × $3.29/GPU-h × 36.00 s busy ÷ 4 slots');
  });
  it('GIVEN negative time THEN zero, never a negative cost', () => {
    expect(jobCost({ provider: 'runpod', gpuCount: 2, pricePerGpuHourUsd: 3 }, -5).costUsd).toBe(0);
  });
});

describe('ISO weeks', () => {
  it.each([
    [Date.UTC(2026, 10, 27, 18), '2026-W48', Date.UTC(2026, 10, 23)],
    [Date.UTC(2026, 0, 1), '2026-W01', Date.UTC(2025, 11, 29)],
    [Date.UTC(2027, 0, 3, 23, 59), '2026-W53', Date.UTC(2026, 11, 28)],
    [Date.UTC(2024, 11, 30), '2025-W01', Date.UTC(2024, 11, 30)],
  ])('GIVEN %i THEN week %s starting %i', (at, label, start) => {
    expect(isoWeekOf(at)).toEqual({ label, startMs: start, endMs: start + 7 * 86_400_000 });
    expect(parseIsoWeek(label)).toEqual(isoWeekOf(at));
  });
  it('GIVEN a week that does not exist THEN undefined', () => {
    expect(parseIsoWeek('2025-W53')).toBeUndefined();
    expect(parseIsoWeek('soon')).toBeUndefined();
  });
});

describe('splitText', () => {
  it('GIVEN short text THEN one piece', () => {
    expect(splitText('hello', 2000)).toEqual(['hello']);
  });
  it('GIVEN long prose THEN pieces under the limit that join back to the text, split at paragraphs', () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} `.repeat(20).trim());
    const text = paragraphs.join('\n\n');
    const pieces = splitText(text, 2000);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(2000);
    expect(pieces.join('\n\n')).toBe(text);
  });
  it('GIVEN a long code block THEN every piece has balanced fences and the code is all there', () => {
    const code = Array.from({ length: 200 }, (_, i) => `console.log(${i});`).join('\n');
    const text = `Here:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nDone.`;
    const pieces = splitText(text, 1000);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(1000);
      expect((p.match(/```/g) ?? []).length % 2).toBe(0);
    }
    const lines = pieces
      .join('\n')
      .split('\n')
      .filter((l) => l.startsWith('console.log'));
    expect(lines).toHaveLength(200);
  });
  it('GIVEN one word longer than the limit THEN it is split inside the word, nothing lost', () => {
    const word = 'x'.repeat(5000);
    expect(splitText(word, 2000).join('')).toBe(word);
  });
});
