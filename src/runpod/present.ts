import type { PodStatus } from './pod-store.ts';

/** What someone waiting for Maverick is told about the pod, and how long it adds to the wait. */
export interface PodWait {
  /** Seconds until the pod can take the job (0 when it is ready). */
  seconds: number;
  /** e.g. "pod starting, model loading, ~9 min"; undefined when ready. */
  line?: string;
  /** Set when the spend guard holds the pod stopped. */
  paused?: string;
}

function aboutMinutes(seconds: number): string {
  return `~${Math.max(1, Math.round(seconds / 60))} min`;
}

/** The pod's state as a wait: a stopped pod needs a whole cold start, a booting one what is left of it. */
export function podWait(status: PodStatus | undefined, nowMs: number, coldStartSeconds: number): PodWait {
  const scout = 'or ask again with model:scout for an answer now';
  if (status?.capped) return { seconds: Number.POSITIVE_INFINITY, paused: status.capped };
  switch (status?.state ?? 'stopped') {
    case 'ready':
      return { seconds: 0 };
    case 'booting': {
      const elapsed = (nowMs - (status?.runStartedAtMs ?? nowMs)) / 1000;
      const left = Math.max(60, coldStartSeconds - elapsed);
      return { seconds: left, line: `pod starting, model loading, ${aboutMinutes(left)} — ${scout}` };
    }
    default:
      return {
        seconds: coldStartSeconds,
        line: `pod stopped: starting it and loading the model takes ${aboutMinutes(coldStartSeconds)} — ${scout}`,
      };
  }
}
