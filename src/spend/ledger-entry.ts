/** One ledger entry: a finished /ask job. Never holds the prompt or the answer. */
export interface LedgerEntry {
  jobId: string;
  team: string;
  userId: string;
  userName: string;
  status: 'ok' | 'failed';
  /** Model label, e.g. `Llama 4 Scout`. */
  model: string;
  quant: string;
  hardware: string;
  gpuCount: number;
  provider: 'local' | 'runpod';
  startedAtMs: number;
  endedAtMs: number;
  promptTokens: number;
  completionTokens: number;
  gpuSeconds: number;
  costUsd: number;
  /** How the cost was computed. */
  costBasis: string;
  /** The route the job took and why (no prompt text). */
  route: string;
}

export interface SpendTotals {
  totalUsd: number;
  requests: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  gpuSeconds: number;
  byModel: { model: string; hardware: string; costUsd: number; requests: number }[];
  byUser: { user: string; userId: string; costUsd: number; requests: number; share: number }[];
}

/** Totals over entries: by model and hardware, by user with each one's share of the total. */
export function spendTotals(entries: readonly LedgerEntry[]): SpendTotals {
  const ok = entries.filter((e) => e.status === 'ok');
  const totalUsd = ok.reduce((s, e) => s + e.costUsd, 0);
  const byModel = new Map<string, SpendTotals['byModel'][number]>();
  const byUser = new Map<string, SpendTotals['byUser'][number]>();
  for (const e of ok) {
    const mk = `${e.model}\u0000${e.hardware}`;
    const m = byModel.get(mk) ?? { model: e.model, hardware: e.hardware, costUsd: 0, requests: 0 };
    m.costUsd += e.costUsd;
    m.requests += 1;
    byModel.set(mk, m);
    const u = byUser.get(e.userId) ?? { user: e.userName, userId: e.userId, costUsd: 0, requests: 0, share: 0 };
    u.costUsd += e.costUsd;
    u.requests += 1;
    byUser.set(e.userId, u);
  }
  const users = [...byUser.values()].map((u) => ({ ...u, share: totalUsd > 0 ? u.costUsd / totalUsd : 0 }));
  return {
    totalUsd,
    requests: ok.length,
    failed: entries.length - ok.length,
    promptTokens: ok.reduce((s, e) => s + e.promptTokens, 0),
    completionTokens: ok.reduce((s, e) => s + e.completionTokens, 0),
    gpuSeconds: ok.reduce((s, e) => s + e.gpuSeconds, 0),
    byModel: [...byModel.values()].sort((a, b) => b.costUsd - a.costUsd),
    byUser: users.sort((a, b) => b.costUsd - a.costUsd),
  };
}
