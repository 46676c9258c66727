import type { SinkStatus } from '../types';

const LABELS: Record<SinkStatus, string> = {
  active: 'Active',
  failing: 'Failing',
  paused: 'Paused',
  disabled: 'Disabled',
};

export function StatusBadge({ status }: { status: SinkStatus }) {
  return <span class={`badge badge-${status}`}>{LABELS[status] ?? status}</span>;
}
