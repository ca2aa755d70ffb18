import type { Reply } from '../command/reply.ts';
import type { ReplyJobData } from '../queue/jobs.ts';
import { receiptFooter } from '../spend/receipt.ts';

const NAMES = { scout: 'Scout', maverick: 'Maverick' } as const;

/** A finished /ask as a neutral Reply: the answer, then the route and the receipt. */
export function answerReply(data: ReplyJobData): Reply {
  if (!data.outcome.ok) return { text: data.outcome.error, tone: 'error' };
  const { answer, finishReason, receipt } = data.outcome;
  const cut = finishReason === 'length' ? '\n\n(the answer reached the token limit and stops here)' : '';
  return {
    text: `${answer.trim() === '' ? '(the model returned an empty answer)' : answer}${cut}`,
    footer: `${NAMES[data.target]} — ${data.routeReason}\n${receiptFooter(receipt)}`,
    tone: 'info',
  };
}

/** The same answer posted to the channel when the original reply can no longer be edited: it names the asker. */
export function orphanReply(data: ReplyJobData, mention: string): Reply {
  const reply = answerReply(data);
  return { ...reply, text: `${mention}, your /ask answer:\n\n${reply.text ?? ''}` };
}

export function queuedText(target: 'scout' | 'maverick', position: number, etaSeconds: number, reason: string): string {
  const eta = etaSeconds >= 90 ? `~${Math.round(etaSeconds / 60)} min` : `~${etaSeconds} s`;
  return `Queued on ${NAMES[target]} (position ${position}, ETA ${eta}) — ${reason}`;
}
