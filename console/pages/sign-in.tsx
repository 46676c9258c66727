import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { ErrorMessage } from '../components/errors';
import { describedBy, Field } from '../components/field';
import { signIn } from '../session';
import { settings } from '../settings';

export function SignInPage({ notice }: { notice: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const kind = settings.jwtEnabled ? 'API key or JWT' : 'API key';

  const submit = async (e: Event) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setError(new ApiError(400, { title: `Enter your ${kind}`, status: 400 }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(value);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? new ApiError(401, { ...err.problem, title: 'This credential was not accepted' })
          : err,
      );
      setBusy(false);
    }
  };

  return (
    <main class="signin" id="main">
      <div class="signin-card">
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          <span>Audit console</span>
        </div>
        <h1 id="page-title">Sign in</h1>
        <p class="muted">
          Use an {kind} of your tenant. The console does what that credential may do through the API, nothing
          more.
        </p>
        {notice && (
          <div class="alert alert-info" role="status">
            {notice}
          </div>
        )}
        {error ? <ErrorMessage error={error} /> : null}
        <form onSubmit={submit} noValidate>
          <Field
            id="credential"
            label={kind}
            hint="Kept in this browser tab only (sessionStorage) and sent only to this server. Closing the tab signs you out."
          >
            <input
              id="credential"
              name="credential"
              type="password"
              autoComplete="off"
              spellcheck={false}
              value={token}
              aria-describedby={describedBy('credential', { hint: true })}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            />
          </Field>
          <button type="submit" class="button button-primary button-block" disabled={busy}>
            {busy ? 'Checking…' : 'Sign in'}
          </button>
        </form>
        <p class="signin-footer muted">
          API reference: <a href="/docs">/docs</a>
        </p>
      </div>
    </main>
  );
}
