/**
 * Split text into pieces of at most `limit` characters, never cutting: at
 * paragraph breaks first, then line breaks, then spaces, and only inside a word
 * when a word is longer than the limit. Code fences stay balanced: a piece that
 * ends inside a ``` block closes it, and the next piece reopens it.
 */
export function splitText(text: string, limit: number): string[] {
  const FENCE = '```';
  const reserve = FENCE.length + 1; // room to close a fence in a piece
  const pieces: string[] = [];
  let rest = text;
  let reopen = '';
  while (rest.length > 0) {
    const budget = limit - reopen.length - reserve;
    if (reopen.length + rest.length <= limit) {
      pieces.push(reopen + rest);
      break;
    }
    const window = rest.slice(0, budget);
    let cut = Math.max(window.lastIndexOf('\n\n'), -1);
    if (cut < budget / 2) cut = Math.max(cut, window.lastIndexOf('\n'));
    if (cut < budget / 2) cut = Math.max(cut, window.lastIndexOf(' '));
    if (cut <= 0) cut = budget;
    let piece = reopen + rest.slice(0, cut);
    rest = rest.slice(cut).replace(/^\n+/, '').replace(/^ /, '');
    const fences = (piece.match(/```/g) ?? []).length;
    if (fences % 2 === 1) {
      const lang = /```([\w+-]*)\n?(?![\s\S]*```)/.exec(piece)?.[1] ?? '';
      piece = `${piece.replace(/\n?$/, '\n')}${FENCE}`;
      reopen = `${FENCE}${lang}\n`;
    } else {
      reopen = '';
    }
    pieces.push(piece);
  }
  return pieces;
}
