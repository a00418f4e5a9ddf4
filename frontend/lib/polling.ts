/** What a poll tick decides: keep going or stop. */
export type PollDecision = "continue" | "stop";

export interface PollOptions {
  intervalMs: number;
  /** Run the first tick straight away (default) instead of after one interval. */
  immediate?: boolean;
}

/**
 * Calls `tick` now and then `intervalMs` after each tick settles (never overlapping), until a tick returns
 * "stop" or the returned function is called. A tick that throws counts as "continue": the caller decides what a
 * transient error means inside `tick`.
 */
export function startPolling(
  tick: () => Promise<PollDecision>,
  { intervalMs, immediate = true }: PollOptions,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const run = async () => {
    timer = null;
    if (stopped) return;
    let decision: PollDecision;
    try {
      decision = await tick();
    } catch {
      decision = "continue";
    }
    if (stopped) return;
    if (decision === "stop") {
      stopped = true;
      return;
    }
    timer = setTimeout(run, intervalMs);
  };

  if (immediate) void run();
  else timer = setTimeout(run, intervalMs);

  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
}
