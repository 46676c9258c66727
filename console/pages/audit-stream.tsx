import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { CopyButton } from '../components/copy-button';
import { ErrorMessage, NotSavedMessage, PageError } from '../components/errors';
import { describedBy, Field } from '../components/field';
import { PageHeader } from '../components/page-header';
import { StatusBadge } from '../components/status';
import { Time } from '../components/time';
import { useApi } from '../components/use-api';
import { href } from '../router';
import type { PageProps } from '../routes';
import { scopeParam } from '../scope';
import { can } from '../session';
import { settings } from '../settings';
import type { Sink, SinkTestOutcome } from '../types';

/**
 * The Kinesis story on one page: paste the stream ARN, Save, see where it runs and whether records
 * arrive, send a test event, copy the IAM policies, Disconnect. Everything goes through the sinks API
 * (the workspace's kinesis sink); nothing here is console-only.
 */

const STREAM_ARN = /^arn:(aws[a-z-]*):kinesis:([a-z0-9-]+):(\d{12}):stream\/([A-Za-z0-9_.-]{1,128})$/;
const SECRET = '***';
const SINK_NAME = 'Audit stream';

export function parseStreamArn(
  arn: string,
): { partition: string; region: string; account: string; name: string } | null {
  const m = STREAM_ARN.exec(arn.trim());
  return m ? { partition: m[1]!, region: m[2]!, account: m[3]!, name: m[4]! } : null;
}

/** The warning as the user types: the stream's region against this deployment's AUDIT_REGION. */
export function regionWarning(arn: string): string | null {
  const parsed = parseStreamArn(arn);
  if (!parsed || !settings.region || parsed.region === settings.region) return null;
  return `This stream is in ${parsed.region}, but this deployment runs in ${settings.region}: every record crosses regions (more latency, cross-region data transfer charges).`;
}

/** A delivery error in plain words, for the status panel. The raw text stays available below it. */
export function explainDeliveryError(error: string): string {
  if (/ResourceNotFound|stream\/.* not found|not found/i.test(error)) {
    return 'The stream was not found. Check the ARN: the stream must exist in the account and region it names.';
  }
  if (/KMS/i.test(error)) {
    return 'The stream is encrypted with a KMS key the platform may not use. Allow kms:GenerateDataKey on that key in the role’s policy.';
  }
  if (
    /AccessDenied|not authorized|UnrecognizedClient|InvalidSignature|ExpiredToken|InvalidClientTokenId|Forbidden/i.test(
      error,
    )
  ) {
    return 'AWS refused access. Check that the role’s permissions policy allows kinesis:PutRecords on this stream and that its trust policy lets the audit platform assume it with this external ID (see “Set up access in AWS”).';
  }
  if (/ProvisionedThroughputExceeded|LimitExceeded|still failing after/i.test(error)) {
    return 'The stream is over its write capacity. Delivery retries on its own; add shards or switch the stream to on-demand capacity.';
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|timed? ?out|socket|network/i.test(error)) {
    return 'The Kinesis endpoint could not be reached. Delivery retries on its own.';
  }
  return 'Delivery failed. It retries on its own; the technical details below say why.';
}

export function permissionsPolicy(streamArn: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AuditPlatformPublish',
          Effect: 'Allow',
          Action: ['kinesis:PutRecords', 'kinesis:PutRecord', 'kinesis:DescribeStreamSummary'],
          Resource: streamArn || 'arn:aws:kinesis:REGION:ACCOUNT_ID:stream/STREAM_NAME',
        },
      ],
    },
    null,
    2,
  );
}

export function trustPolicy(externalId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AuditPlatformAssumeRole',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::AUDIT_PLATFORM_ACCOUNT_ID:root' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': externalId || 'YOUR_EXTERNAL_ID' } },
        },
      ],
    },
    null,
    2,
  );
}

function randomExternalId(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return `audit-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function StreamStatus({
  sink,
  canManage,
  onChanged,
}: {
  sink: Sink;
  canManage: boolean;
  onChanged: () => void;
}) {
  const [testing, setTesting] = useState(false);
  const [outcome, setOutcome] = useState<SinkTestOutcome | null>(null);
  const [testError, setTestError] = useState<unknown>(null);

  const sendTest = async () => {
    setTesting(true);
    setOutcome(null);
    setTestError(null);
    try {
      setOutcome(await api<SinkTestOutcome>('POST', `/v1/audit/sinks/${encodeURIComponent(sink.id)}/test`));
    } catch (err) {
      setTestError(err);
    } finally {
      setTesting(false);
      onChanged();
    }
  };

  return (
    <section class="panel" aria-labelledby="stream-status-title">
      <div class="panel-header">
        <h2 id="stream-status-title">Status</h2>
        <StatusBadge status={sink.status} />
      </div>
      <div class="panel-body">
        <div class="stat-row">
          <div>
            <p class="stat-label">Last delivery</p>
            <p class="stat-value" data-testid="last-delivery">
              <Time iso={sink.lastDeliveryAt} relativeOnly />
            </p>
          </div>
          <div>
            <p class="stat-label">Lag</p>
            <p class="stat-value" data-testid="lag">
              {sink.lagEvents === 0 ? 'Up to date' : `${sink.lagEvents.toLocaleString('en')} events waiting`}
            </p>
          </div>
          <div>
            <p class="stat-label">Connected</p>
            <p class="stat-value">
              <Time iso={sink.createdAt} relativeOnly />
            </p>
          </div>
        </div>
        {sink.status === 'paused' && (
          <p class="alert alert-warning">
            Delivery is paused: events wait until the sink is resumed (Sinks page).
          </p>
        )}
        {sink.status === 'disabled' && (
          <p class="alert alert-warning">The sink is disabled: no event is published to the stream.</p>
        )}
        {sink.lastError && (
          <div class="alert alert-error" data-testid="last-error">
            <p class="alert-title">Last delivery failed</p>
            <p>{explainDeliveryError(sink.lastError)}</p>
            <details>
              <summary>Technical details</summary>
              <pre>
                <code>{sink.lastError}</code>
              </pre>
            </details>
          </div>
        )}
        <div aria-live="polite">
          {outcome &&
            (outcome.ok ? (
              <div class="alert alert-success" data-testid="test-outcome">
                <p class="alert-title">Test event delivered</p>
                <p>
                  Event <code>{outcome.eventId}</code> (action <code>audit.sink.test</code>) reached the
                  stream in {outcome.durationMs} ms.
                </p>
              </div>
            ) : (
              <div class="alert alert-error" data-testid="test-outcome">
                <p class="alert-title">Test event not delivered</p>
                <p>{explainDeliveryError(outcome.error ?? '')}</p>
                <details>
                  <summary>Technical details</summary>
                  <pre>
                    <code>{outcome.error}</code>
                  </pre>
                </details>
              </div>
            ))}
          {testError ? <ErrorMessage error={testError} /> : null}
        </div>
      </div>
      <div class="panel-footer">
        {canManage && (
          <button type="button" class="button" onClick={sendTest} disabled={testing || !sink.enabled}>
            {testing ? 'Sending…' : 'Send test event'}
          </button>
        )}
        <button type="button" class="button button-quiet" onClick={onChanged}>
          Refresh status
        </button>
        {settings.temporalUiUrl && (
          <a
            class="button button-quiet"
            href={`${settings.temporalUiUrl.replace(/\/+$/, '')}/namespaces/default/workflows/${encodeURIComponent(sink.workflowId)}`}
            target="_blank"
            rel="noreferrer"
          >
            Delivery workflow in Temporal
          </a>
        )}
      </div>
    </section>
  );
}

function StreamForm({
  workspaceId,
  sink,
  onSaved,
}: {
  workspaceId: string;
  sink: Sink | undefined;
  onSaved: (sink: Sink) => void;
}) {
  const config = sink?.config ?? {};
  const storedExternalId = config.externalId === SECRET;
  const [streamArn, setStreamArn] = useState(String(config.streamArn ?? ''));
  const [roleArn, setRoleArn] = useState(String(config.roleArn ?? ''));
  const [externalId, setExternalId] = useState('');
  const [removeExternalId, setRemoveExternalId] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const fieldError = (name: string) =>
    error instanceof ApiError ? error.fieldError(`/config/${name}`) : undefined;
  const typedWarning = regionWarning(streamArn);

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      let saved: Sink;
      if (sink) {
        const extId = externalId.trim()
          ? externalId.trim()
          : storedExternalId
            ? removeExternalId
              ? null
              : SECRET
            : undefined;
        saved = await api<Sink>('PATCH', `/v1/audit/sinks/${encodeURIComponent(sink.id)}`, {
          body: {
            config: { streamArn: streamArn.trim(), roleArn: roleArn.trim() || null, externalId: extId },
          },
        });
      } else {
        const body: Record<string, unknown> = { streamArn: streamArn.trim() };
        if (roleArn.trim()) body.roleArn = roleArn.trim();
        if (externalId.trim()) body.externalId = externalId.trim();
        saved = await api<Sink>('POST', '/v1/audit/sinks', {
          body: { name: SINK_NAME, type: 'kinesis', workspaceId, config: body },
        });
      }
      setExternalId('');
      setRemoveExternalId(false);
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="panel" onSubmit={save} aria-labelledby="stream-form-title" noValidate>
      <div class="panel-header">
        <h2 id="stream-form-title">{sink ? 'Stream' : 'Connect a stream'}</h2>
      </div>
      <div class="panel-body">
        {error ? (
          <NotSavedMessage
            error={error}
            shownAtField={(pointer) => /^\/config\/(streamArn|roleArn|externalId)$/.test(pointer)}
          />
        ) : null}
        <Field
          id="stream-arn"
          label="Stream ARN"
          hint="arn:aws:kinesis:<region>:<account>:stream/<name>"
          error={fieldError('streamArn')}
        >
          <input
            id="stream-arn"
            name="streamArn"
            value={streamArn}
            spellcheck={false}
            autoComplete="off"
            placeholder="arn:aws:kinesis:eu-west-1:123456789012:stream/audit"
            aria-invalid={fieldError('streamArn') ? 'true' : undefined}
            aria-describedby={[
              describedBy('stream-arn', { hint: true, error: fieldError('streamArn') }),
              typedWarning ? 'stream-arn-region' : null,
            ]
              .filter(Boolean)
              .join(' ')}
            onInput={(e) => setStreamArn((e.target as HTMLInputElement).value)}
          />
          {typedWarning && (
            <p class="field-warning" id="stream-arn-region" role="status" data-testid="region-warning">
              {typedWarning}
            </p>
          )}
        </Field>
        <div class="form-grid">
          <Field
            id="role-arn"
            label="Role ARN"
            optional
            hint="An IAM role in your account the platform assumes to publish."
            error={fieldError('roleArn')}
          >
            <input
              id="role-arn"
              name="roleArn"
              value={roleArn}
              spellcheck={false}
              autoComplete="off"
              placeholder="arn:aws:iam::123456789012:role/audit-publisher"
              aria-invalid={fieldError('roleArn') ? 'true' : undefined}
              aria-describedby={describedBy('role-arn', { hint: true, error: fieldError('roleArn') })}
              onInput={(e) => setRoleArn((e.target as HTMLInputElement).value)}
            />
          </Field>
          <Field
            id="external-id"
            label="External ID"
            optional
            hint={
              storedExternalId
                ? 'Stored encrypted and never shown. Type a new one to replace it, or leave empty to keep it.'
                : 'Required by your role’s trust policy; stored encrypted.'
            }
            error={fieldError('externalId')}
          >
            <div class="input-with-button">
              <input
                id="external-id"
                name="externalId"
                value={externalId}
                spellcheck={false}
                autoComplete="off"
                placeholder={storedExternalId ? '•••••••• (stored)' : ''}
                aria-invalid={fieldError('externalId') ? 'true' : undefined}
                aria-describedby={describedBy('external-id', { hint: true, error: fieldError('externalId') })}
                onInput={(e) => setExternalId((e.target as HTMLInputElement).value)}
              />
              <button type="button" class="button" onClick={() => setExternalId(randomExternalId())}>
                Generate
              </button>
            </div>
          </Field>
        </div>
        {storedExternalId && (
          <label class="checkbox">
            <input
              type="checkbox"
              checked={removeExternalId}
              onChange={(e) => setRemoveExternalId((e.target as HTMLInputElement).checked)}
            />{' '}
            Remove the stored external ID
          </label>
        )}
      </div>
      <div class="panel-footer">
        <button type="submit" class="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <span class="muted">
          {sink
            ? 'Changes apply before the next batch.'
            : 'Events of this workspace from now on are published.'}
        </span>
      </div>
      <AwsSetup
        streamArn={streamArn.trim()}
        externalId={externalId.trim()}
        storedExternalId={storedExternalId}
      />
    </form>
  );
}

function AwsSetup({
  streamArn,
  externalId,
  storedExternalId,
}: {
  streamArn: string;
  externalId: string;
  storedExternalId: boolean;
}) {
  const permissions = permissionsPolicy(streamArn);
  const trust = trustPolicy(externalId);
  return (
    <details class="aws-setup">
      <summary>Set up access in AWS</summary>
      <div class="panel-body">
        <p>
          To publish through a role of your account, create an IAM role with these two policies and paste its
          ARN above. Without a role the platform publishes with its own AWS credentials.
        </p>
        <div class="policy">
          <div class="policy-header">
            <h3 id="permissions-policy-title">Permissions policy</h3>
            <CopyButton text={permissions} label="Copy permissions policy" />
          </div>
          <pre data-testid="permissions-policy">
            <code>{permissions}</code>
          </pre>
        </div>
        <div class="policy">
          <div class="policy-header">
            <h3 id="trust-policy-title">Trust policy</h3>
            <CopyButton text={trust} label="Copy trust policy" />
          </div>
          <pre data-testid="trust-policy">
            <code>{trust}</code>
          </pre>
          <p class="hint">
            Replace <code>AUDIT_PLATFORM_ACCOUNT_ID</code> with the AWS account the audit platform runs in
            (your operator knows it).
            {storedExternalId && !externalId
              ? ' The stored external ID is never shown: put yours in place of YOUR_EXTERNAL_ID, or type it above.'
              : ''}
          </p>
        </div>
      </div>
    </details>
  );
}

function DisconnectPanel({
  sink,
  onDisconnected,
}: {
  sink: Sink;
  onDisconnected: (message: string) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const disconnect = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api<{ approval?: { id: string } } | undefined>(
        'DELETE',
        `/v1/audit/sinks/${encodeURIComponent(sink.id)}`,
      );
      dialog.current?.close();
      onDisconnected(
        answer?.approval
          ? `Disconnecting needs approval by another tenant admin (request ${answer.approval.id}).`
          : 'Disconnected. No further event is published to the stream.',
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel panel-danger" aria-labelledby="disconnect-title">
      <div class="panel-header">
        <h2 id="disconnect-title">Disconnect</h2>
      </div>
      <div class="panel-body">
        <p>
          Stop publishing this workspace’s events to the stream. Records already in the stream stay there.
        </p>
        {error && !dialog.current?.open ? <ErrorMessage error={error} /> : null}
        <button type="button" class="button button-danger" onClick={() => dialog.current?.showModal()}>
          Disconnect…
        </button>
      </div>
      <dialog
        ref={dialog}
        aria-labelledby="disconnect-dialog-title"
        aria-describedby="disconnect-dialog-text"
      >
        <div class="dialog-body">
          <h2 id="disconnect-dialog-title">Disconnect the audit stream?</h2>
          <p id="disconnect-dialog-text">
            No further event of workspace <code>{sink.workspaceId}</code> is published to{' '}
            <code>{String(sink.config.streamArn)}</code> once this answers.
          </p>
          {error ? <ErrorMessage error={error} /> : null}
        </div>
        <div class="dialog-actions">
          <button type="button" class="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class="button button-danger-solid" onClick={disconnect} disabled={busy}>
            {busy ? 'Disconnecting…' : 'Disconnect'}
          </button>
        </div>
      </dialog>
    </section>
  );
}

function ReadOnlyStream({ sink }: { sink: Sink }) {
  return (
    <section class="panel" aria-labelledby="stream-config-title">
      <div class="panel-header">
        <h2 id="stream-config-title">Stream</h2>
      </div>
      <div class="panel-body">
        <dl class="facts">
          <dt>Stream ARN</dt>
          <dd>
            <code>{String(sink.config.streamArn)}</code>
          </dd>
          <dt>Role ARN</dt>
          <dd>
            {sink.config.roleArn ? (
              <code>{String(sink.config.roleArn)}</code>
            ) : (
              <span class="muted">none</span>
            )}
          </dd>
          <dt>External ID</dt>
          <dd>{sink.config.externalId ? 'stored (never shown)' : <span class="muted">none</span>}</dd>
        </dl>
        {sink.warnings.map((w) => (
          <p class="field-warning" key={w}>
            {w}
          </p>
        ))}
      </div>
    </section>
  );
}

export function AuditStreamPage({ session, scope }: PageProps) {
  const canManage = can(session, 'sinks:manage');
  const workspaceId = scope.kind === 'workspace' ? scope.workspaceId : null;
  const [notice, setNotice] = useState<string | null>(null);
  const [saved, setSaved] = useState<string[] | null>(null);
  const sinks = useApi(
    (signal) =>
      workspaceId
        ? api<{ data: Sink[] }>('GET', '/v1/audit/sinks', { query: { workspaceId }, signal })
        : Promise.resolve({ data: [] as Sink[] }),
    [workspaceId],
  );
  useEffect(() => {
    setNotice(null);
    setSaved(null);
  }, [workspaceId]);
  // Status, last delivery and lag move while the page is open.
  useEffect(() => {
    const timer = setInterval(sinks.reload, 5000);
    return () => clearInterval(timer);
  }, [sinks.reload]);

  const header = (
    <PageHeader
      title="Audit stream"
      description="Publish this workspace’s audit events to an Amazon Kinesis data stream in your AWS account, within seconds of each event."
    />
  );
  if (!workspaceId) {
    return (
      <section aria-labelledby="page-title">
        {header}
        <div class="alert alert-info">A stream belongs to one workspace: choose a workspace above.</div>
      </section>
    );
  }
  if (sinks.error) {
    return (
      <section aria-labelledby="page-title">
        {header}
        <PageError error={sinks.error} onRetry={sinks.reload} />
      </section>
    );
  }
  if (!sinks.data) {
    return (
      <section aria-labelledby="page-title">
        {header}
        <p role="status">Loading…</p>
      </section>
    );
  }
  const streams = sinks.data.data.filter((s) => s.type === 'kinesis');
  const sink = streams[0];
  return (
    <section aria-labelledby="page-title">
      {header}
      {notice && (
        <div class="alert alert-info" role="status" data-testid="notice">
          {notice}
        </div>
      )}
      {streams.length > 1 && (
        <div class="alert alert-info">
          This workspace has {streams.length} Kinesis sinks; this page shows “{sink?.name}”. Manage the others
          on the <a href={href('/console/sinks', { ws: scopeParam(scope) })}>Sinks</a> page.
        </div>
      )}
      {saved && (
        <div
          class={`alert ${saved.length > 0 ? 'alert-warning' : 'alert-success'}`}
          role="status"
          data-testid="save-result"
        >
          <p class="alert-title">Saved</p>
          {saved.length > 0 ? (
            <ul>
              {saved.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          ) : (
            <p>New events of this workspace are published to the stream within seconds.</p>
          )}
        </div>
      )}
      {sink && <StreamStatus sink={sink} canManage={canManage} onChanged={sinks.reload} />}
      {canManage ? (
        <StreamForm
          key={sink?.id ?? 'new'}
          workspaceId={workspaceId}
          sink={sink}
          onSaved={(result) => {
            setNotice(null);
            setSaved(result.warnings);
            sinks.reload();
          }}
        />
      ) : sink ? (
        <ReadOnlyStream sink={sink} />
      ) : (
        <div class="panel">
          <p class="empty">
            No stream is connected to this workspace. A connector builder, admin or tenant admin can connect
            one.
          </p>
        </div>
      )}
      {canManage && sink && (
        <DisconnectPanel
          sink={sink}
          onDisconnected={(message) => {
            setSaved(null);
            setNotice(message);
            sinks.reload();
          }}
        />
      )}
    </section>
  );
}
