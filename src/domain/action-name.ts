/**
 * The action naming convention: snake_case segments joined by dots, at most `maxSegments` of them
 * ("connection_created", "discovery.run_started"). Pure, so workflows may import it.
 */
const SEGMENT = '[a-z][a-z0-9_]*';

export function actionNamePattern(maxSegments: number): RegExp {
  const extra = Math.max(0, maxSegments - 1);
  return new RegExp(`^(${SEGMENT}\\.){0,${extra}}${SEGMENT}$`);
}

export function isValidActionName(action: string, maxSegments: number): boolean {
  return actionNamePattern(maxSegments).test(action);
}
