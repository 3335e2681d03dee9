/**
 * Deadlines of the invocations in flight, watched by one timer for the whole process.
 *
 * Each invocation must close its span shortly before Lambda's deadline. A timer per invocation
 * would be armed and cleared on every warm invocation (a Timeout object, and under dd-trace's
 * async hooks an async resource each time). Here one unref'd timer is armed for the earliest
 * deadline; an invocation that ends just leaves the set. A timer that fires with nothing due
 * re-arms for the earliest deadline left, or stops when none is left. In the common sequence of
 * invocations each new deadline is later than the armed one, so the timer is armed about once per
 * function timeout rather than once per invocation.
 *
 * Each entry belongs to its invocation (its own deadline and callback); the set only holds the
 * invocations in flight, so several at once in one process never share state.
 */

export interface Deadline {
  /** `Date.now()` time at which `fire` runs. */
  readonly at: number;
  readonly fire: () => void;
}

const pending = new Set<Deadline>();
let timer: NodeJS.Timeout | undefined;
/** When the armed timer fires (`Date.now()` time); meaningless while `timer` is undefined. */
let armedAt = 0;

function arm(at: number): void {
  if (timer !== undefined) clearTimeout(timer);
  armedAt = at;
  timer = setTimeout(fireDue, Math.max(0, at - Date.now()));
  timer.unref();
}

function fireDue(): void {
  timer = undefined;
  const now = Date.now();
  const due: Deadline[] = [];
  let next = Number.POSITIVE_INFINITY;
  for (const deadline of pending) {
    if (deadline.at <= now) due.push(deadline);
    else if (deadline.at < next) next = deadline.at;
  }
  if (next !== Number.POSITIVE_INFINITY) arm(next);
  // Earliest first, even when a late timer finds several due at once.
  due.sort((a, b) => a.at - b.at);
  for (const deadline of due) {
    pending.delete(deadline);
    // One invocation's fault never keeps the others' deadlines from firing.
    try {
      deadline.fire();
    } catch {
      // the callback guards itself; nothing to add here
    }
  }
}

/** Runs `fire` at `at` (a `Date.now()` time) unless cancelled first. */
export function watchDeadline(at: number, fire: () => void): Deadline {
  const deadline: Deadline = { at, fire };
  pending.add(deadline);
  if (timer === undefined || at < armedAt) arm(at);
  return deadline;
}

/** The invocation ended in time: its deadline no longer fires. */
export function cancelDeadline(deadline: Deadline): void {
  pending.delete(deadline);
}

/** Deadlines in flight (for tests). */
export function pendingDeadlines(): number {
  return pending.size;
}
