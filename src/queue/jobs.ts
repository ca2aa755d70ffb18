import type { Platform } from '../command/command.ts';

/** Queue names: one per model worker, one for finished answers the bot delivers, one for weekly summaries. */
export const QUEUES = { scout: 'scout', maverick: 'maverick', replies: 'replies', summaries: 'summaries' } as const;
export type ModelQueue = 'scout' | 'maverick';

/** An /ask job. Holds no platform token or secret: reply handles stay in the bot's memory. */
export interface AskJobData {
  team: string;
  platform: Platform;
  userId: string;
  userName: string;
  channel?: string;
  prompt: string;
  target: ModelQueue;
  routeReason: string;
  enqueuedAtMs: number;
}

/** What a receipt shows under an answer. */
export interface Receipt {
  model: string;
  quant: string;
  hardware: string;
  gpuCount: number;
  provider: 'local' | 'runpod';
  promptTokens: number;
  completionTokens: number;
  tokensPerSec: number;
  /** Token counts or speed are estimates (the server sent no usage or timings). */
  estimated?: boolean;
  /** From enqueue to the end of the answer, ms. */
  latencyMs: number;
  costUsd: number;
  costBasis: string;
  teamWeekUsd: number;
  userWeekUsd: number;
  /** On a pod: an estimate of this answer's share of the run's boot and idle time, settled when the pod stops. */
  idleShareEstUsd?: number;
}

/** A finished /ask, for the bot to deliver. */
export interface ReplyJobData {
  askJobId: string;
  team: string;
  platform: Platform;
  userId: string;
  userName: string;
  channel?: string;
  target: ModelQueue;
  routeReason: string;
  outcome: { ok: true; answer: string; finishReason: string | null; receipt: Receipt } | { ok: false; error: string };
}

/**
 * The job id of an interaction: the same platform interaction always maps to the
 * same id, so a command delivered twice runs once. BullMQ rejects ids with `:`
 * and plain integers, hence the prefix and the replacement.
 */
export function askJobId(platform: Platform, interactionId: string): string {
  return `ask-${platform}-${interactionId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export function replyJobId(askId: string): string {
  return `reply-${askId}`;
}

/** Key of a queue's last job duration, written by workers, read for the ETA users see. */
export function durationKey(prefix: string, queue: string): string {
  return `${prefix}:stats:${queue}:last-ms`;
}
