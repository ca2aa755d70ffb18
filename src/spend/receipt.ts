import type { Receipt } from '../queue/jobs.ts';

function usd(x: number): string {
  if (x === 0) return '$0';
  if (x < 0.01) return `$${x.toPrecision(2)}`;
  return `$${x.toFixed(2)}`;
}

function percent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const p = (100 * part) / whole;
  return p >= 10 || p === 0 ? `${Math.round(p)} %` : `${p.toPrecision(2)} %`;
}

/**
 * The footer every answer ends with: model and quant, hardware, tokens, speed,
 * latency, this answer's cost and its share of the team's and the asker's spend
 * this week (both including this answer).
 */
export function receiptFooter(r: Receipt): string {
  const hw = `${r.gpuCount > 1 ? `${r.gpuCount}× ` : ''}${r.hardware} (${r.provider === 'runpod' ? 'RunPod' : 'local'})`;
  return [
    `${r.model} ${r.quant} on ${hw}`,
    `${r.promptTokens} → ${r.completionTokens} tokens, ${r.tokensPerSec.toFixed(1)} tok/s${r.estimated ? ' (est.)' : ''}, ${(r.latencyMs / 1000).toFixed(1)} s`,
    // A local GPU's cost is board power × time: an estimate of the energy actually drawn.
    `${usd(r.costUsd)}${r.provider === 'local' ? ' est.' : ''} (${r.costBasis})${
      r.idleShareEstUsd !== undefined
        ? ` + boot/idle share est. ${usd(r.idleShareEstUsd)}, settled when the pod stops`
        : ''
    }`,
    `${percent(r.costUsd, r.teamWeekUsd)} of the team's ${usd(r.teamWeekUsd)} this week, ${percent(r.costUsd, r.userWeekUsd)} of yours`,
  ].join(' · ');
}
