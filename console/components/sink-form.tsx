import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import {
  createConfig,
  type FieldSpec,
  type FormValues,
  HeadersSyntaxError,
  initialValues,
  patchConfig,
  SINK_FIELDS,
  storedSecrets,
  visibleFields,
} from '../sinks/fields';
import type { Sink, SinkType } from '../types';
import { NotSavedMessage } from './errors';
import { describedBy, Field } from './field';

/**
 * Create or edit a sink of one type. Every value goes to the API as typed; its problem+json answer
 * puts each message under its field (pointers `/name`, `/config/<field>`, `/filter/<field>`).
 */
export function SinkForm(props: {
  type: SinkType;
  workspaceId: string;
  sink?: Sink;
  onSaved: (sink: Sink) => void;
  onCancel?: () => void;
}) {
  const { type, sink } = props;
  const stored = sink?.config ?? {};
  const secretsStored = storedSecrets(type, stored);
  const [name, setName] = useState(sink?.name ?? '');
  const [values, setValues] = useState<FormValues>(() => initialValues(type, stored));
  const [removeSecrets, setRemoveSecrets] = useState<Set<string>>(new Set());
  const [actions, setActions] = useState((sink?.filter.actions ?? []).join('\n'));
  const [tags, setTags] = useState((sink?.filter.tags ?? []).join(', '));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const idPrefix = sink ? 'edit' : 'new';
  const fieldError = (pointer: string) => (error instanceof ApiError ? error.fieldError(pointer) : undefined);
  const destinationChanged =
    sink !== undefined &&
    SINK_FIELDS[type].some(
      (f) =>
        f.destination &&
        (values[f.name] ?? '').trim() !==
          (stored[f.name] === undefined || stored[f.name] === null ? '' : String(stored[f.name])).trim(),
    );

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const filter = {
        ...(actions.trim() ? { actions: splitList(actions) } : {}),
        ...(tags.trim() ? { tags: splitList(tags) } : {}),
      };
      const hasFilter = Object.keys(filter).length > 0;
      const saved = sink
        ? await api<Sink>('PATCH', `/v1/audit/sinks/${encodeURIComponent(sink.id)}`, {
            body: {
              ...(name.trim() !== sink.name ? { name } : {}),
              config: patchConfig(type, stored, values, removeSecrets),
              filter: hasFilter ? filter : null,
            },
          })
        : await api<Sink>('POST', '/v1/audit/sinks', {
            body: {
              name,
              type,
              workspaceId: props.workspaceId,
              config: createConfig(type, values),
              ...(hasFilter ? { filter } : {}),
            },
          });
      props.onSaved(saved);
    } catch (err) {
      if (err instanceof HeadersSyntaxError) {
        setError(
          new ApiError(400, {
            title: 'Not saved',
            status: 400,
            detail: 'The headers are not in the expected form.',
            errors: [{ pointer: '/config/headers', detail: err.message }],
          }),
        );
      } else setError(err);
    } finally {
      setSaving(false);
    }
  };

  const shown = new Set(['/name', '/filter/actions', '/filter/tags', '/filter']);
  for (const f of visibleFields(type, values)) shown.add(`/config/${f.name}`);

  return (
    <form class="panel" onSubmit={save} noValidate aria-labelledby={`${idPrefix}-form-title`}>
      <div class="panel-header">
        <h2 id={`${idPrefix}-form-title`}>{sink ? 'Configuration' : 'Settings'}</h2>
      </div>
      <div class="panel-body">
        {error ? <NotSavedMessage error={error} shownAtField={(pointer) => shown.has(pointer)} /> : null}
        <Field id={`${idPrefix}-name`} label="Name" error={fieldError('/name')}>
          <input
            id={`${idPrefix}-name`}
            value={name}
            autoComplete="off"
            placeholder="Splunk production"
            aria-invalid={fieldError('/name') ? 'true' : undefined}
            aria-describedby={describedBy(`${idPrefix}-name`, { error: fieldError('/name') })}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </Field>
        {type === 'console' && (
          <p class="muted">A console sink has no settings: each event is one JSON line on stdout.</p>
        )}
        <div class="form-grid">
          {visibleFields(type, values).map((f) => (
            <ConfigField
              key={f.name}
              idPrefix={idPrefix}
              spec={f}
              value={values[f.name] ?? ''}
              stored={secretsStored.includes(f.name)}
              remove={removeSecrets.has(f.name)}
              error={fieldError(`/config/${f.name}`)}
              onInput={(v) => setValues((old) => ({ ...old, [f.name]: v }))}
              onRemove={(r) =>
                setRemoveSecrets((old) => {
                  const next = new Set(old);
                  if (r) next.add(f.name);
                  else next.delete(f.name);
                  return next;
                })
              }
            />
          ))}
        </div>
        {destinationChanged && secretsStored.length > 0 && (
          <p class="alert alert-warning" role="status" data-testid="secrets-dropped-warning">
            You are changing where this sink sends: its stored {secretsStored.join(' and ')} will not follow
            to the new destination. Enter them again here if the new destination needs them.
          </p>
        )}
        <fieldset class="fieldset">
          <legend>Filter (optional)</legend>
          <div class="form-grid">
            <Field
              id={`${idPrefix}-filter-actions`}
              label="Actions"
              optional
              hint="One a line: exact names or prefixes such as discovery.*"
              error={fieldError('/filter/actions') ?? fieldError('/filter')}
            >
              <textarea
                id={`${idPrefix}-filter-actions`}
                rows={3}
                value={actions}
                spellcheck={false}
                aria-describedby={describedBy(`${idPrefix}-filter-actions`, {
                  hint: true,
                  error: fieldError('/filter/actions'),
                })}
                onInput={(e) => setActions((e.target as HTMLTextAreaElement).value)}
              />
            </Field>
            <Field
              id={`${idPrefix}-filter-tags`}
              label="Tags"
              optional
              hint="Comma-separated: only actions carrying one of these tags."
              error={fieldError('/filter/tags')}
            >
              <input
                id={`${idPrefix}-filter-tags`}
                value={tags}
                autoComplete="off"
                aria-describedby={describedBy(`${idPrefix}-filter-tags`, {
                  hint: true,
                  error: fieldError('/filter/tags'),
                })}
                onInput={(e) => setTags((e.target as HTMLInputElement).value)}
              />
            </Field>
          </div>
        </fieldset>
      </div>
      <div class="panel-footer">
        <button type="submit" class="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : sink ? 'Save changes' : 'Create sink'}
        </button>
        {props.onCancel && (
          <button type="button" class="button button-quiet" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function ConfigField(props: {
  idPrefix: string;
  spec: FieldSpec;
  value: string;
  stored: boolean;
  remove: boolean;
  error: string | undefined;
  onInput: (value: string) => void;
  onRemove: (remove: boolean) => void;
}) {
  const { spec: f, idPrefix } = props;
  const id = `${idPrefix}-config-${f.name}`;
  const writeOnly = f.kind === 'secret' || f.kind === 'headers';
  const hint =
    writeOnly && props.stored
      ? `${f.hint ?? ''} A value is stored: leave empty to keep it, type to replace it.`.trim()
      : f.hint;
  const common = {
    id,
    name: f.name,
    'aria-invalid': props.error ? ('true' as const) : undefined,
    'aria-describedby': describedBy(id, { hint: Boolean(hint), error: props.error }),
  };
  const onInput = (e: Event) => props.onInput((e.target as HTMLInputElement).value);
  let control: preact.JSX.Element;
  if (f.kind === 'select') {
    control = (
      <select {...common} value={props.value} onChange={onInput}>
        {f.optional && <option value="">(default)</option>}
        {f.options?.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (f.kind === 'textarea' || f.kind === 'headers') {
    control = (
      <textarea
        {...common}
        rows={f.kind === 'headers' ? 3 : 5}
        value={props.value}
        spellcheck={false}
        autoComplete="off"
        placeholder={props.stored ? '•••••••• (stored)' : f.placeholder}
        onInput={onInput}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type={f.kind === 'secret' ? 'password' : 'text'}
        inputMode={f.kind === 'number' ? 'numeric' : undefined}
        value={props.value}
        spellcheck={false}
        autoComplete={f.kind === 'secret' ? 'new-password' : 'off'}
        placeholder={props.stored ? '•••••••• (stored)' : f.placeholder}
        onInput={onInput}
      />
    );
  }
  return (
    <div class={f.wide || f.kind === 'headers' || f.kind === 'textarea' ? 'form-grid-wide' : undefined}>
      <Field id={id} label={f.label} optional={f.optional} hint={hint} error={props.error}>
        {control}
      </Field>
      {writeOnly && props.stored && (
        <label class="checkbox">
          <input
            type="checkbox"
            checked={props.remove}
            onChange={(e) => props.onRemove((e.target as HTMLInputElement).checked)}
          />{' '}
          Remove the stored {f.label.toLowerCase()}
        </label>
      )}
    </div>
  );
}
