/**
 * A fenced code block: an opening run of 3 or more backticks and the first
 * later run at least as long (CommonMark's rule, so ```` can hold ```).
 * Positions are indexes into the split text.
 */
interface Block {
  start: number;
  fence: string;
  /** The language of a ```ts line; '' when the opener is not such a line. */
  tag: string;
  /** Where the code starts (after the opener and its tag line) and ends (the closing run, or the text's end). */
  bodyStart: number;
  bodyEnd: number;
  end: number;
}

/** A tag is a short word ending the opener's line; longer, it is code (an /ask answer of ```aaaa… must not become the tag). */
const TAG_LINE = /^[\w+-]{1,20}\n/;
const MAX_TAG_LINE_CHARS = 21;

function fencedBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let open: Omit<Block, 'bodyEnd' | 'end'> | undefined;
  for (const match of text.matchAll(/`{3,}/g)) {
    const at = match.index;
    const run = match[0];
    if (!open) {
      const atLineStart = at === 0 || text[at - 1] === '\n';
      const after = at + run.length;
      const tagLine = atLineStart ? TAG_LINE.exec(text.slice(after, after + MAX_TAG_LINE_CHARS))?.[0] : undefined;
      open = { start: at, fence: run, tag: tagLine?.trimEnd() ?? '', bodyStart: after + (tagLine?.length ?? 0) };
    } else if (run.length >= open.fence.length) {
      blocks.push({ ...open, bodyEnd: at, end: at + run.length });
      open = undefined;
    }
  }
  if (open) blocks.push({ ...open, bodyEnd: text.length, end: text.length });
  return blocks;
}

/** The block a cut at `at` (between text[at - 1] and text[at]) falls inside, by binary search. */
function blockAt(blocks: readonly Block[], at: number): Block | undefined {
  let low = 0;
  let high = blocks.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const block = blocks[mid] as Block;
    if (at <= block.start) high = mid - 1;
    else if (at >= block.end) low = mid + 1;
    else return block;
  }
  return undefined;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** A cut between the halves of an emoji (a surrogate pair) would leave two broken characters. */
function splitsPair(text: string, at: number): boolean {
  return isHighSurrogate(text.charCodeAt(at - 1)) && isLowSurrogate(text.charCodeAt(at));
}

/**
 * Text split into pieces of at most `limit` characters (UTF-16 units, as
 * Discord and Slack count). Cuts go at paragraph breaks first, then line
 * breaks, then spaces, and inside a word only when a word is longer than the
 * window; never between the halves of a surrogate pair, never inside a run of
 * backticks, never so that a piece holds an empty code block. A piece that ends
 * inside a fenced block closes it, and the next piece reopens it with the same
 * fence and tag (the tag is dropped when the limit leaves no room for it).
 * The whitespace a cut lands on is dropped outside code blocks; inside them
 * only the line break the closing fence stands in for, so indentation survives.
 * Fences longer than a quarter of the limit may not stay balanced (no room).
 */
export function splitText(text: string, limit: number): string[] {
  if (limit < 2) throw new RangeError(`splitText needs a limit of at least 2 (an emoji), got ${limit}`);
  const blocks = fencedBlocks(text);
  const pieces: string[] = [];
  let from = 0;
  while (from < text.length) {
    const open = blockAt(blocks, from);
    const reopen = open ? reopening(open, limit) : '';
    if (reopen.length + text.length - from <= limit) {
      pieces.push(reopen + text.slice(from));
      break;
    }
    const piece = nextPiece(text, blocks, from, limit, open, reopen);
    pieces.push(piece.text);
    from = piece.next;
  }
  return pieces;
}

/** The fence that continues `block` in the next piece, if one fits with its closing fence and 2 characters of code. */
function reopening(block: Block, limit: number): string {
  const room = limit - 2 * block.fence.length - 2 - 2;
  if (room >= block.tag.length) return `${block.fence}${block.tag}\n`;
  return room >= 0 ? `${block.fence}\n` : '';
}

/** One piece starting at `from` (behind `reopen`), closed if it ends inside a block, and where the next one starts. */
function nextPiece(
  text: string,
  blocks: readonly Block[],
  from: number,
  limit: number,
  open: Block | undefined,
  reopen: string,
): { text: string; next: number } {
  const window = limit - reopen.length;
  // The closing fence's room depends on where the cut lands; grow it until the cut's own fence fits.
  let reserve = open && reopen ? open.fence.length + 1 : 0;
  for (;;) {
    const max = window - reserve;
    if (max < 2 || (open && !reopen)) break; // a fence too long to repeat: plain cuts below
    const at = cutAt(text, blocks, from, max);
    const inside = blockAt(blocks, at);
    const close = inside ? `\n${inside.fence}` : '';
    if (close.length > reserve) {
      reserve = close.length;
      continue;
    }
    return { text: `${reopen}${text.slice(from, at)}${close}`, next: after(text, at, inside) };
  }
  const at = from + limit - (splitsPair(text, from + limit) ? 1 : 0);
  return { text: text.slice(from, at), next: at };
}

/** Where the next piece starts after a cut at `at`: past the blank lines or the space it landed on; in code, past one line break only. */
function after(text: string, at: number, inside: Block | undefined): number {
  if (inside) return text[at] === '\n' ? at + 1 : at;
  if (text[at] === ' ') return at + 1;
  let next = at;
  while (text[next] === '\n') next++;
  return next;
}

/**
 * The best cut in (from, from + max]: a paragraph break, else a line break,
 * else a space (not in code) in the window's second half; else the latest of
 * those; else the latest position that keeps pairs, backtick runs and blocks
 * whole; else one that keeps pairs and runs whole (an empty block is better
 * than a broken fence); else the window's end, off a surrogate pair.
 */
function cutAt(text: string, blocks: readonly Block[], from: number, max: number): number {
  const end = from + max;
  const whole = (at: number): boolean => !splitsPair(text, at) && !(text[at - 1] === '`' && text[at] === '`');
  const keeps = (at: number): boolean => {
    if (!whole(at)) return false;
    const block = blockAt(blocks, at);
    if (!block) return true;
    // Some code on each side, or one piece would hold an empty block.
    return /\S/.test(text.slice(Math.max(block.bodyStart, from), at)) && /\S/.test(text.slice(at, block.bodyEnd));
  };
  let paragraph: number | undefined;
  let line: number | undefined;
  let space: number | undefined;
  for (let at = end; at > from && (paragraph === undefined || line === undefined || space === undefined); at--) {
    if (text[at] === '\n') {
      const inCode = blockAt(blocks, at) !== undefined;
      // Outside code, cut before the whole run of line breaks so the piece does not end with one.
      let start = at;
      while (!inCode && start - 1 > from && text[start - 1] === '\n') start--;
      const isParagraph = !inCode && text[start + 1] === '\n';
      if (keeps(start)) {
        if (isParagraph) paragraph ??= start;
        line ??= start;
      }
      at = start;
    } else if (text[at] === ' ' && space === undefined && !blockAt(blocks, at) && keeps(at)) {
      space = at;
    }
  }
  const half = from + max / 2;
  for (const candidate of [paragraph, line, space]) if (candidate !== undefined && candidate >= half) return candidate;
  const latest = Math.max(paragraph ?? 0, line ?? 0, space ?? 0);
  if (latest > from) return latest;
  for (let at = end; at > from; at--) if (keeps(at)) return at;
  for (let at = end; at > from; at--) if (whole(at)) return at;
  return splitsPair(text, end) ? end - 1 : end;
}

/** `text` in at most `limit` characters, ending in an ellipsis when shortened; never half an emoji before it. */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const end = limit - 1;
  return `${text.slice(0, splitsPair(text, end) ? end - 1 : end)}…`;
}
