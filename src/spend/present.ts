import type { Reply } from '../command/reply.ts';
import type { SpendTotals } from './ledger-entry.ts';

function usd(x: number): string {
  return x > 0 && x < 0.01 ? `$${x.toPrecision(2)}` : `$${x.toFixed(2)}`;
}

function pct(share: number): string {
  return `${(100 * share).toFixed(share > 0 && share < 0.1 ? 1 : 0)} %`;
}

/** GPU-hours paid for vs. busy, and what the pods' boot and idle time cost. */
function gpuHours(t: SpendTotals): string {
  const busy = `${(t.busyGpuSeconds / 3600).toFixed(3)} GPU-hours busy`;
  if (t.idleUsd <= 0) return `${busy}.`;
  return `${(t.gpuSeconds / 3600).toFixed(3)} GPU-hours billed, ${busy}; pod boot and idle time: ${usd(t.idleUsd)}.`;
}

/** A week's spend as a neutral Reply: total, by model and hardware, by user with shares. */
export function spendReply(week: string, t: SpendTotals): Reply {
  if (t.requests === 0 && t.failed === 0) {
    return { title: `Spend, ${week}`, text: 'No /ask answers this week: $0.00.', tone: 'info' };
  }
  return {
    title: `Spend, ${week}: ${usd(t.totalUsd)}`,
    text: `${t.requests} answer${t.requests === 1 ? '' : 's'}${t.failed ? ` (+${t.failed} failed, not charged)` : ''}, ${t.promptTokens.toLocaleString('en-US')} tokens in, ${t.completionTokens.toLocaleString('en-US')} out. ${gpuHours(t)}`,
    fields: [
      {
        name: 'By model and hardware',
        value: t.byModel.map((m) => `${m.model} on ${m.hardware}: ${usd(m.costUsd)} (${m.requests})`).join('\n') || '—',
      },
      {
        name: 'By user',
        value: t.byUser.map((u) => `${u.user}: ${usd(u.costUsd)}, ${pct(u.share)} (${u.requests})`).join('\n') || '—',
      },
    ],
    tone: 'info',
  };
}
