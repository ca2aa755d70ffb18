/**
 * A first-in first-out wait of one event-loop turn per caller: command work
 * runs one command a turn, and the I/O of each turn (new interactions or
 * requests, their acknowledgements) comes first. Without it, in a burst the
 * work of the first commands delays the acknowledgement of the later ones
 * (docs/BENCHMARKS.md). Both chat adapters use it.
 */
export function ackFirstQueue(): () => Promise<void> {
  const waiting: (() => void)[] = [];
  const runOne = () => {
    waiting.shift()?.();
    if (waiting.length > 0) setImmediate(runOne);
  };
  return () =>
    new Promise<void>((resolve) => {
      if (waiting.push(resolve) === 1) setImmediate(runOne);
    });
}
