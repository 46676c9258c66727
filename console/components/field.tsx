import type { ComponentChildren } from 'preact';

/**
 * A labelled form control with its hint and its error (the API's per-field message). The control is
 * the child; give it id={id} and aria-describedby={describedBy(id, …)}.
 */
export function Field(props: {
  id: string;
  label: string;
  hint?: ComponentChildren;
  error?: string;
  optional?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={props.id}>
        {props.label}
        {props.optional && <span class="optional"> (optional)</span>}
      </label>
      {props.children}
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${props.id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

export function describedBy(
  id: string,
  opts: { hint?: boolean; error?: string | undefined },
): string | undefined {
  const ids = [opts.hint ? `${id}-hint` : null, opts.error ? `${id}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}
