/**
 * One ledger entry: a finished /ask job, or a job's share of a pod run settled
 * when the pod stopped (kind `pod-share`). Never holds the prompt or the answer.
 */
export interface LedgerEntry {
  /** Absent on answers; `pod-share` on a settlement (the boot and idle share, and the busy split of overlapping jobs). */
  kind?: 'pod-share';
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
  /** The pod run an answer ran in: its boot and idle share is settled when the run ends. */
  podRun?: string;
  /** Of costUsd and gpuSeconds, the part that paid for the pod's boot and idle time. */
  idleUsd?: number;
  idleGpuSeconds?: number;
}

export interface SpendTotals {
  totalUsd: number;
  requests: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  /** GPU-seconds paid for: busy plus the pods' boot and idle time. */
  gpuSeconds: number;
  busyGpuSeconds: number;
  /** Cost of the pods' boot and idle time. */
  idleUsd: number;
  byModel: { model: string; hardware: string; costUsd: number; requests: number }[];
  byUser: { user: string; userId: string; costUsd: number; requests: number; share: number }[];
}

function sum(entries: readonly LedgerEntry[], value: (e: LedgerEntry) => number | undefined): number {
  return entries.reduce((s, e) => s + (value(e) ?? 0), 0);
}

/**
 * Totals over entries: by model and hardware, by user with each one's share of
 * the total. Pod settlements add to the money and GPU time, not to the answers.
 */
export function spendTotals(entries: readonly LedgerEntry[]): SpendTotals {
  const ok = entries.filter((e) => e.status === 'ok');
  const answers = ok.filter((e) => e.kind !== 'pod-share');
  const totalUsd = sum(ok, (e) => e.costUsd);
  const byModel = new Map<string, SpendTotals['byModel'][number]>();
  const byUser = new Map<string, SpendTotals['byUser'][number]>();
  for (const e of ok) {
    const mk = `${e.model}\u0000${e.hardware}`;
    const m = byModel.get(mk) ?? { model: e.model, hardware: e.hardware, costUsd: 0, requests: 0 };
    const answer = e.kind !== 'pod-share' ? 1 : 0;
    m.costUsd += e.costUsd;
    m.requests += answer;
    byModel.set(mk, m);
    const u = byUser.get(e.userId) ?? { user: e.userName, userId: e.userId, costUsd: 0, requests: 0, share: 0 };
    u.costUsd += e.costUsd;
    u.requests += answer;
    byUser.set(e.userId, u);
  }
  const users = [...byUser.values()].map((u) => ({ ...u, share: totalUsd > 0 ? u.costUsd / totalUsd : 0 }));
  return {
    totalUsd,
    requests: answers.length,
    failed: entries.length - ok.length,
    promptTokens: sum(answers, (e) => e.promptTokens),
    completionTokens: sum(answers, (e) => e.completionTokens),
    gpuSeconds: sum(ok, (e) => e.gpuSeconds),
    busyGpuSeconds: sum(ok, (e) => e.gpuSeconds - (e.idleGpuSeconds ?? 0)),
    idleUsd: sum(ok, (e) => e.idleUsd),
    byModel: [...byModel.values()].sort((a, b) => b.costUsd - a.costUsd),
    byUser: users.sort((a, b) => b.costUsd - a.costUsd),
  };
}

/** A week's totals in the shape `fitbot spend --json` prints. */
export function spendJson(team: string, week: string, t: SpendTotals) {
  return {
    team,
    week,
    totalUsd: t.totalUsd,
    requests: t.requests,
    failed: t.failed,
    promptTokens: t.promptTokens,
    completionTokens: t.completionTokens,
    byUser: t.byUser.map((u) => ({
      user: u.user,
      userId: u.userId,
      costUsd: u.costUsd,
      share: u.share,
      requests: u.requests,
    })),
    byModel: t.byModel.map((m) => ({ model: m.model, hardware: m.hardware, costUsd: m.costUsd, requests: m.requests })),
    billedGpuHours: t.gpuSeconds / 3600,
    busyGpuHours: t.busyGpuSeconds / 3600,
    idleUsd: t.idleUsd,
  };
}
