import type { AskJobData, Receipt, ReplyJobData } from '../queue/jobs.ts';
import type { LedgerEntry } from '../spend/ledger-entry.ts';
import { jobCost, type Pricing } from '../spend/pricing.ts';
import type { Recorded } from '../spend/redis-ledger.ts';

/** What produced an answer, for the ledger and the receipt. */
export interface ModelLabel {
  model: string;
  quant: string;
  hardware: string;
  gpuCount: number;
  provider: 'local' | 'runpod';
}

/** A model's answer as a worker reads it from the stream. */
export interface ModelAnswer {
  text: string;
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Decode speed reported by the server (llama.cpp timings), tokens/s. */
  tokensPerSec?: number;
}

export interface AnswerDeps {
  label: ModelLabel;
  pricing: Pricing;
  ledger: {
    record(entry: LedgerEntry): Promise<Recorded>;
    runCharged(runId: string): Promise<{ answers: number; chargedUsd: number }>;
  };
  now: () => number;
}

function baseEntry(jobId: string, job: AskJobData, deps: AnswerDeps) {
  return {
    jobId,
    team: job.team,
    userId: job.userId,
    userName: job.userName,
    ...deps.label,
    route: `${job.target}: ${job.routeReason}`,
  };
}

/** The reply job for the bot: who asked where, the route, and the outcome. */
function replyFor(jobId: string, job: AskJobData, outcome: ReplyJobData['outcome']): ReplyJobData {
  return {
    askJobId: jobId,
    team: job.team,
    platform: job.platform,
    userId: job.userId,
    userName: job.userName,
    ...(job.channel ? { channel: job.channel } : {}),
    target: job.target,
    routeReason: job.routeReason,
    outcome,
  };
}

/** Rough token count when a server sends no usage: 4 characters a token. */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Record a finished answer in the ledger (once per job id, whatever the retries)
 * and build the reply with its receipt: this answer's cost and its share of the
 * team's and the asker's spend this week. `charged.written` is false when an
 * earlier try was already charged.
 */
export async function settleAnswer(
  jobId: string,
  job: AskJobData,
  answer: ModelAnswer,
  timing: { startedAtMs: number; endedAtMs: number; podRun?: { runId: string; startedAtMs: number } },
  deps: AnswerDeps,
): Promise<{ reply: ReplyJobData; charged: Recorded }> {
  const busySeconds = (timing.endedAtMs - timing.startedAtMs) / 1000;
  const cost = jobCost(deps.pricing, busySeconds);
  // Without a usage chunk the counts are estimates, and the receipt says so.
  const tokensEstimated = !answer.promptTokens || !answer.completionTokens;
  const promptTokens = answer.promptTokens || approxTokens(job.prompt);
  const completionTokens = answer.completionTokens || approxTokens(answer.text);
  // A recovered job finds its first charge: the receipt shows what the ledger holds.
  const charged = await deps.ledger.record({
    ...baseEntry(jobId, job, deps),
    status: 'ok',
    startedAtMs: timing.startedAtMs,
    endedAtMs: timing.endedAtMs,
    promptTokens,
    completionTokens,
    gpuSeconds: cost.gpuSeconds,
    costUsd: cost.costUsd,
    costBasis: cost.basis,
    ...(timing.podRun ? { podRun: timing.podRun.runId } : {}),
  });
  const idleShare = timing.podRun ? await idleShareSoFar(timing.podRun, timing.endedAtMs, deps) : undefined;
  const receipt: Receipt = {
    ...deps.label,
    promptTokens,
    completionTokens,
    tokensPerSec: answer.tokensPerSec ?? completionTokens / Math.max(busySeconds, 0.001),
    // Server timings measure decode alone; without them, tokens ÷ busy time (prompt included) is an estimate.
    ...(tokensEstimated || answer.tokensPerSec === undefined ? { estimated: true } : {}),
    latencyMs: timing.endedAtMs - job.enqueuedAtMs,
    costUsd: charged.costUsd,
    costBasis: charged.written ? cost.basis : 'charged on an earlier try',
    teamWeekUsd: charged.teamWeekUsd,
    userWeekUsd: charged.userWeekUsd,
    ...(idleShare !== undefined ? { idleShareEstUsd: idleShare } : {}),
  };
  return {
    reply: replyFor(jobId, job, { ok: true, answer: answer.text, finishReason: answer.finishReason, receipt }),
    charged,
  };
}

/**
 * An estimate of this answer's share of its pod run's boot and idle time: the
 * run's cost so far less what its answers were charged, over its answers so
 * far. The real share is settled when the pod stops.
 */
async function idleShareSoFar(
  run: { runId: string; startedAtMs: number },
  nowMs: number,
  deps: AnswerDeps,
): Promise<number | undefined> {
  if (deps.pricing.provider !== 'runpod') return undefined;
  const { answers, chargedUsd } = await deps.ledger.runCharged(run.runId);
  const runUsd = ((nowMs - run.startedAtMs) / 3_600_000) * deps.pricing.pricePerGpuHourUsd * deps.pricing.gpuCount;
  return Math.max(0, runUsd - chargedUsd) / Math.max(1, answers);
}

/**
 * Record a job that produced no answer as failed, at no cost (nothing was
 * delivered), and build the error reply. If an earlier try of the job was
 * already charged (its answer was lost before delivery), the reply says so.
 */
export async function settleFailure(
  jobId: string,
  job: AskJobData,
  message: string,
  deps: AnswerDeps,
): Promise<ReplyJobData> {
  const at = deps.now();
  const recorded = await deps.ledger.record({
    ...baseEntry(jobId, job, deps),
    status: 'failed',
    startedAtMs: at,
    endedAtMs: at,
    promptTokens: 0,
    completionTokens: 0,
    gpuSeconds: 0,
    costUsd: 0,
    costBasis: 'failed: not charged',
  });
  const charge =
    !recorded.written && recorded.costUsd > 0
      ? `An earlier try was charged $${recorded.costUsd.toPrecision(2)} before its answer was lost.`
      : 'You were not charged.';
  return replyFor(jobId, job, { ok: false, error: `${message} ${charge}` });
}
