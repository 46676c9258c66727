/** temporal.api.enums.v1.EventType values of the history events the tests and benchmarks count. */
export const HISTORY_EVENT = {
  WORKFLOW_TASK_SCHEDULED: 5,
  ACTIVITY_TASK_SCHEDULED: 10,
  TIMER_STARTED: 17,
  WORKFLOW_EXECUTION_SIGNALED: 26,
} as const;

const BY_NAME: Record<string, number> = Object.fromEntries(
  Object.entries(HISTORY_EVENT).map(([name, value]) => [`EVENT_TYPE_${name}`, value]),
);

/**
 * An event's type as its number. Fetched histories come back with numeric enums; one decoded from
 * JSON may carry the names instead. Unknown names answer -1.
 */
export function historyEventType(e: { eventType?: unknown }): number {
  const t = e.eventType;
  if (typeof t === 'number') return t;
  return BY_NAME[String(t)] ?? -1;
}
