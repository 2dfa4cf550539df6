/**
 * `${STEP_ID.key}` in a step's parameters names a value an earlier step produced (the id of the
 * isolation group it created); it is replaced by that step's journalled result when the step runs.
 */
const REF = /\$\{([^.}]+)\.([^}]+)\}/g;

export function resolveRefs<T>(value: T, afterOf: (stepId: string) => unknown): T {
  const text = JSON.stringify(value ?? null).replace(REF, (_whole, stepId: string, key: string) => {
    const after = afterOf(stepId) as Record<string, unknown> | undefined;
    const v = after?.[key];
    if (typeof v !== "string") throw new Error(`step ${stepId} has not produced ${key} (it must complete first)`);
    return v.replace(/["\\]/g, (c) => `\\${c}`);
  });
  return JSON.parse(text) as T;
}
