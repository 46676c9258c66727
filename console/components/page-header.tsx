import type { ComponentChildren } from 'preact';

/** Every page starts with this: its h1 (focused after in-app navigation), a line of context, actions. */
export function PageHeader(props: {
  title: string;
  description?: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <div class="page-header">
      <div>
        <h1 id="page-title" tabIndex={-1}>
          {props.title}
        </h1>
        {props.description && <p class="page-description">{props.description}</p>}
      </div>
      {props.actions && <div class="page-actions">{props.actions}</div>}
    </div>
  );
}
