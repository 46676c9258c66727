import { ApiError } from '../api';
import { Link } from '../router';

function explain(error: unknown): { title: string; detail: string; hint?: string } {
  if (!(error instanceof ApiError)) {
    return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
  }
  const { problem, status } = error;
  const detail = problem.detail ?? '';
  // A problem the console made itself (no type) already says what happened in its own words.
  if (problem.type === undefined && status !== 0) return { title: problem.title, detail };
  switch (status) {
    case 0:
      return { title: problem.title, detail };
    case 401:
      return { title: problem.title, detail };
    case 403:
      return {
        title: 'Not allowed',
        detail,
        hint: 'Your credential’s role or workspaces do not permit this.',
      };
    case 404:
      return { title: 'Not found', detail };
    case 429:
      return { title: 'Too many requests', detail, hint: 'Wait a moment and try again.' };
    case 503:
      return {
        title: 'Service temporarily unavailable',
        detail,
        hint: 'A dependency (the database or Temporal) is not answering. Try again shortly.',
      };
    default:
      return { title: problem.title, detail };
  }
}

/**
 * Why a form was not saved: the API's detail, and the field errors no field of the form shows itself
 * (`shownAtField` says which pointers have a field of their own).
 */
export function NotSavedMessage({
  error,
  shownAtField,
}: {
  error: unknown;
  shownAtField: (pointer: string) => boolean;
}) {
  const others =
    error instanceof ApiError ? (error.problem.errors ?? []).filter((e) => !shownAtField(e.pointer)) : [];
  return (
    <div class="alert alert-error" role="alert">
      <p class="alert-title">Not saved</p>
      <p>{error instanceof ApiError ? (error.problem.detail ?? error.problem.title) : String(error)}</p>
      {others.length > 0 && (
        <ul>
          {others.map((e) => (
            <li key={e.pointer}>
              <code>{e.pointer}</code>: {e.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** An error as a readable message on the page (never a raw answer). */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, detail, hint } = explain(error);
  const fieldErrors = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  return (
    <div class="alert alert-error" role="alert">
      <p class="alert-title">{title}</p>
      {detail && <p>{detail}</p>}
      {fieldErrors.length > 0 && (
        <ul>
          {fieldErrors.map((e) => (
            <li key={e.pointer}>
              <code>{e.pointer}</code>: {e.detail}
            </li>
          ))}
        </ul>
      )}
      {hint && <p class="muted">{hint}</p>}
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function NotFoundPage({ detail }: { detail?: string }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Page not found
      </h1>
      <p>
        {detail
          ? `${detail.charAt(0).toUpperCase()}${detail.slice(1)}.`
          : 'There is nothing at this address.'}
      </p>
      <p class="muted">The address may be mistyped, or the thing it names belongs to another tenant.</p>
      <p>
        <Link href="/console/log">Go to the audit log</Link>
      </p>
    </section>
  );
}

/** A page whose main read failed: a 404 is the not-found page, anything else a message. */
export function PageError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (error instanceof ApiError && error.status === 404)
    return <NotFoundPage detail={error.problem.detail} />;
  return <ErrorMessage error={error} onRetry={onRetry} />;
}
