/**
 * The action naming convention: snake_case segments joined by dots, at most `maxSegments` of them
 * ("connection_created", "discovery.run_started"). Pure, so workflows may import it.
 */
const SEGMENT = '[a-z][a-z0-9_]*';

// Built once per setting: this runs for every ingested event, and compiling a RegExp each time showed
// in the ingest profile. (No g/y flag, so test() keeps no state between calls.)
const patterns = new Map<number, RegExp>();

export function actionNamePattern(maxSegments: number): RegExp {
  let pattern = patterns.get(maxSegments);
  if (!pattern) {
    const extra = Math.max(0, maxSegments - 1);
    pattern = new RegExp(`^(${SEGMENT}\\.){0,${extra}}${SEGMENT}$`);
    patterns.set(maxSegments, pattern);
  }
  return pattern;
}

export function isValidActionName(action: string, maxSegments: number): boolean {
  return actionNamePattern(maxSegments).test(action);
}
