/**
 * The contract between a pod policy and whatever drives it: the simulator
 * (`fitbot simulate`) and the production controller run the same policy objects
 * through this interface, so a policy chosen by simulation is the one that runs.
 * Pure: a policy never reads the clock or does I/O; time comes in the view.
 */

/** What the pod is doing, as the driver knows it. */
export type PodState = 'stopped' | 'booting' | 'ready';

/** Everything a policy may look at when asked to decide. Times are epoch ms. */
export interface PolicyView {
  nowMs: number;
  pod: PodState;
  /** When the pod entered its current state. */
  podSinceMs: number;
  /** Arrival times of Maverick requests not yet started, oldest first. */
  waiting: readonly number[];
  /** Requests running on the pod now. */
  running: number;
  /**
   * When the pod last had work: the end of the latest request, or when the
   * pod became ready if it has served none since. Undefined while stopped/booting.
   */
  lastActivityMs?: number;
}

export type PodAction = 'start' | 'stop' | 'keep';

export interface PolicyDecision {
  action: PodAction;
  /** Why, in a few words, for logs and the status line ("idle 5 min, queue empty"). */
  reason: string;
  /** Ask again no later than this (a timer), even if nothing else happens. */
  recheckAtMs?: number;
}

/** Something the policy may learn from; arrivals come in time order. */
export type PolicyEvent =
  | { type: 'arrival'; atMs: number }
  /** A request that arrived at arrivalMs started running at atMs. */
  | { type: 'start'; arrivalMs: number; atMs: number };

export interface Policy {
  readonly name: string;
  observe(event: PolicyEvent): void;
  decide(view: PolicyView): PolicyDecision;
}

/** A weekly schedule window in the team's time zone: days 0 = Sunday … 6 = Saturday, minutes from midnight. */
export interface ScheduleWindow {
  days: readonly number[];
  startMinute: number;
  endMinute: number;
}

export interface PolicySettings {
  /** Time from resume to the model server answering /health 200, s (default 600). */
  coldStartSeconds: number;
  /** p95 wait the adaptive policy aims for, s (default 600). */
  waitTargetSeconds: number;
  /** Schedule windows for the `windows` policy (and a hint for `adaptive`). */
  windows: readonly ScheduleWindow[];
  /** IANA time zone of the windows and of the team's rhythm, e.g. Europe/Berlin. */
  timeZone: string;
  /** Requests the model server runs at once (llama-server --parallel). */
  slots: number;
}
