import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/command/split.ts';

/** Whether `text` ends inside a fenced block: runs of 3+ backticks, closed only by a run at least as long. */
function endsInsideFence(text: string): boolean {
  let open = '';
  for (const [run] of text.matchAll(/`{3,}/g)) {
    if (!open) open = run;
    else if (run.length >= open.length) open = '';
  }
  return open !== '';
}

/** Half an emoji: a high surrogate not followed by a low one, or a low one not preceded by a high one. */
const hasLoneSurrogate = (text: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

/**
 * Whether the pieces give back `text` once the fences the splitter added are
 * taken off (a closing `\n```` at a piece's end, a reopening ```` ```tag\n ````
 * at the next one's start) and the whitespace a cut landed on is put back
 * (a cut at the last spaces or line breaks leaves nothing after them).
 * Both readings are tried at each boundary, since a real fence looks the same.
 */
function rejoins(text: string, pieces: string[]): boolean {
  let positions = new Set([0]);
  for (const [i, piece] of pieces.entries()) {
    const starts = [piece];
    const reopened = i > 0 ? /^`{3,}[\w+-]{0,20}\n/.exec(piece) : null;
    if (reopened) starts.push(piece.slice(reopened[0].length));
    const bodies = starts.flatMap((s) => {
      const closed = i < pieces.length - 1 ? /\n`{3,}$/.exec(s) : null;
      return closed ? [s, s.slice(0, closed.index)] : [s];
    });
    const next = new Set<number>();
    for (const at of positions) {
      for (const body of bodies) {
        if (!text.startsWith(body, at)) continue;
        let end = at + body.length;
        next.add(end);
        while (text[end] === '\n' || text[end] === ' ') next.add(++end);
      }
    }
    positions = next;
  }
  return positions.has(text.length);
}

/** Text built from the pieces that trouble a splitter: fences of 3 and 4 backticks with tags, emoji, indentation. */
const awkwardText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '```',
        '````',
        '```ts\n',
        '````md\n',
        '```json\n',
        '\n```\n',
        '`',
        '😀',
        '\n',
        '\n\n',
        '    ',
        ' ',
      ),
      fc.string({ unit: fc.constantFrom('a', 'b', 'x', ' ', '\n', '`', 'é', '😀'), maxLength: 60 }),
      fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 50, maxLength: 400 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

describe('splitText', () => {
  it('GIVEN any text and limit THEN pieces fit, fences balance, emoji stay whole and the content comes back', () => {
    fc.assert(
      fc.property(awkwardText, fc.integer({ min: 24, max: 400 }), (text, limit) => {
        const pieces = splitText(text, limit);
        const unclosed = endsInsideFence(text);
        // A fence longer than a quarter of the limit may leave no room to close and reopen it.
        const fencesFit = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) <= limit / 4;
        for (const [i, piece] of pieces.entries()) {
          expect(piece.length).toBeLessThanOrEqual(limit);
          expect(piece.length).toBeGreaterThan(0);
          expect(hasLoneSurrogate(piece)).toBe(false);
          // A text that leaves a block open leaves its last piece open too.
          if (fencesFit && !(unclosed && i === pieces.length - 1)) expect(endsInsideFence(piece)).toBe(false);
        }
        expect(rejoins(text, pieces)).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  it('GIVEN any string at a tiny limit THEN it still ends, every piece within the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 2, max: 12 }), (text, limit) => {
        for (const piece of splitText(text, limit)) expect(piece.length).toBeLessThanOrEqual(limit);
      }),
    );
  });

  it('GIVEN an opener followed by a 4,088-character word THEN it returns at once, pieces within 4,096', () => {
    const text = `\`\`\`${'a'.repeat(4088)}\n${'b'.repeat(100)}\n\`\`\``;
    const started = performance.now();
    const pieces = splitText(text, 4096);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(pieces).toHaveLength(2);
    expect(pieces[1]).toBe(`\`\`\`\n${'b'.repeat(100)}\n\`\`\``);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(4096);
  });

  it('GIVEN a blob of 3,500 characters in a block THEN no piece is over 3,000 and the blob comes back whole', () => {
    const text = `Here is the blob:\n\n\`\`\`${'A'.repeat(3500)}\n\`\`\`\nDone.`;
    const pieces = splitText(text, 3000);
    expect(pieces.map((p) => p.length)).toEqual([17, 3000, 521]);
    expect(pieces[0]).toBe('Here is the blob:');
    expect(pieces.join('').replace(/[^A]/g, '')).toHaveLength(3500);
  });

  it('GIVEN indented code cut at a line break THEN every line keeps its indentation', () => {
    const code = '    return 1\n'.repeat(200);
    const pieces = splitText(`\`\`\`py\n${code}\`\`\``, 1000);
    expect(pieces.length).toBeGreaterThan(1);
    const lines = pieces.flatMap((p) => p.split('\n')).filter((l) => l.includes('return'));
    expect(lines).toHaveLength(200);
    for (const line of lines) expect(line).toBe('    return 1');
  });

  it('GIVEN prose cut at a line break THEN the next line keeps its leading space', () => {
    const text = `${'word '.repeat(390)}end\n  - nested item`;
    expect(splitText(text, 1960)[1]).toBe('  - nested item');
  });

  it('GIVEN a hard cut that would land in a run of backticks THEN the cut moves before the run', () => {
    const text = `${'x'.repeat(1994)}\`\`\`${'y'.repeat(100)}\ncode\n\`\`\``;
    const pieces = splitText(text, 2000);
    expect(pieces[0]).toBe('x'.repeat(1994));
    expect(pieces[1]).toBe(text.slice(1994));
  });

  it('GIVEN emoji only THEN no piece ends or starts with half of one', () => {
    for (const piece of splitText('😀'.repeat(3000), 2001)) {
      expect(hasLoneSurrogate(piece)).toBe(false);
      expect(piece.length).toBeLessThanOrEqual(2001);
    }
  });

  it('GIVEN a ```` block holding ``` blocks THEN every piece is fenced with four backticks', () => {
    const inner = '```py\nx = 1\n```\n'.repeat(150);
    const pieces = splitText(`Intro\n\n\`\`\`\`md\n${inner}\`\`\`\`\nEnd`, 1000);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.slice(1, -1).every((p) => p.startsWith('````md\n') && p.endsWith('\n````'))).toBe(true);
  });

  it('GIVEN a one-line file of 5,000 characters after an intro THEN no piece holds an empty block', () => {
    const pieces = splitText(`Here is the file:\n\n\`\`\`json\n${'j'.repeat(5000)}\n\`\`\``, 2000);
    expect(pieces[0]).toBe('Here is the file:');
    for (const piece of pieces) expect(piece).not.toMatch(/```json\n```/);
    for (const piece of pieces.slice(1)) expect(piece).toMatch(/^```json\nj+\n```$/);
  });

  it('GIVEN a tag too long to repeat at a small limit THEN the reopening fence drops it', () => {
    const text = `\`\`\`typescriptreact\n${'a '.repeat(40)}\n\`\`\``;
    const pieces = splitText(text, 24);
    expect(pieces.slice(1).every((p) => p.startsWith('```\n'))).toBe(true);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(24);
  });
});
