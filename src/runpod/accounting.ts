/**
 * What a pod run cost and who pays it. RunPod bills every second from resume
 * to stop, busy or idle; each answer was charged its busy time when it
 * finished, and the rest is settled here when the run ends, so that the
 * ledger adds up to price × billed seconds exactly. Pure.
 *
 * - boot: resume → the model server healthy; busy: at least one answer
 *   running; idle: the rest of the billed time.
 * - Busy time is split among the answers running at once in proportion to the
 *   tokens each produced per second (a slot that streams more uses more of the
 *   GPUs); an answer running alone pays all of it.
 * - Boot and idle time is shared among the run's answers in proportion to
 *   their busy cost. A run that served no answer is charged whole to
 *   `fallbackTeam` (the team the pod last served).
 */

/** An answer that ran on the pod, as the ledger charged it when it finished. */
export interface RunAnswer {
  team: string;
  jobId: string;
  userId: string;
  userName: string;
  startedAtMs: number;
  endedAtMs: number;
  tokens: number;
  chargedUsd: number;
}

export interface PodRun {
  runId: string;
  startedAtMs: number;
  /** When /health first answered 200; undefined if the model never loaded. */
  readyAtMs?: number;
  endedAtMs: number;
  gpuCount: number;
  pricePerGpuHourUsd: number;
}

export interface AnswerShare {
  answer: RunAnswer;
  /** This answer's exact part of the busy time, USD. */
  busyUsd: number;
  /** Its share of the boot and idle time, USD. */
  idleUsd: number;
  /** What is still owed after the charge at answer time (may be negative when overlap made it cheaper). */
  settleUsd: number;
}

export interface RunSettlement {
  billedSeconds: number;
  bootSeconds: number;
  busySeconds: number;
  idleSeconds: number;
  billedUsd: number;
  shares: AnswerShare[];
  /** Boot and idle cost nobody's answer carries (a run with no answers). */
  unattributedUsd: number;
}

/** The run's cost per second, USD. */
export function runUsdPerSecond(run: Pick<PodRun, 'gpuCount' | 'pricePerGpuHourUsd'>): number {
  return (run.gpuCount * run.pricePerGpuHourUsd) / 3600;
}

/** The team of the answer that ended last (the ledger lists a run's answers by cost, not by time). */
export function lastServedTeam(answers: readonly RunAnswer[]): string | undefined {
  let latest: RunAnswer | undefined;
  for (const answer of answers) if (!latest || answer.endedAtMs > latest.endedAtMs) latest = answer;
  return latest?.team;
}

export function settleRun(run: PodRun, answers: readonly RunAnswer[]): RunSettlement {
  const perSecond = runUsdPerSecond(run);
  const billedSeconds = Math.max(0, run.endedAtMs - run.startedAtMs) / 1000;
  const billedUsd = billedSeconds * perSecond;
  const clip = (ms: number) => Math.min(run.endedAtMs, Math.max(run.startedAtMs, ms));
  const spans = answers.map((answer) => {
    const from = clip(answer.startedAtMs);
    const to = Math.max(from, clip(answer.endedAtMs));
    const seconds = (to - from) / 1000;
    return { answer, from, to, rate: seconds > 0 ? answer.tokens / seconds : 0, busyUsd: 0 };
  });

  // Sweep the span boundaries: each segment's cost goes to the spans covering it.
  const cuts = [...new Set(spans.flatMap((s) => [s.from, s.to]))].sort((a, b) => a - b);
  let busySeconds = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i] as number;
    const b = cuts[i + 1] as number;
    const covering = spans.filter((s) => s.from <= a && s.to >= b);
    if (covering.length === 0) continue;
    const seconds = (b - a) / 1000;
    busySeconds += seconds;
    const totalRate = covering.reduce((sum, s) => sum + s.rate, 0);
    for (const s of covering) {
      const weight = totalRate > 0 ? s.rate / totalRate : 1 / covering.length;
      s.busyUsd += seconds * perSecond * weight;
    }
  }

  const readyAt = run.readyAtMs === undefined ? run.endedAtMs : clip(run.readyAtMs);
  // Answers only run once the server is ready, so boot never overlaps busy time (capped for safety).
  const bootSeconds = Math.min((readyAt - run.startedAtMs) / 1000, billedSeconds - busySeconds);
  const busyUsd = spans.reduce((sum, s) => sum + s.busyUsd, 0);
  const overheadUsd = Math.max(0, billedUsd - busyUsd);
  const shares = spans.map((s): AnswerShare => {
    const idleUsd = busyUsd > 0 ? (overheadUsd * s.busyUsd) / busyUsd : overheadUsd / spans.length;
    return { answer: s.answer, busyUsd: s.busyUsd, idleUsd, settleUsd: s.busyUsd + idleUsd - s.answer.chargedUsd };
  });
  return {
    billedSeconds,
    bootSeconds,
    busySeconds,
    idleSeconds: Math.max(0, billedSeconds - bootSeconds - busySeconds),
    billedUsd,
    shares,
    unattributedUsd: shares.length === 0 ? billedUsd : 0,
  };
}
