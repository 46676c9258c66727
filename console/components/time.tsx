const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function timeAgo(iso: string, now = Date.now()): string {
  const delta = new Date(iso).getTime() - now;
  for (const [unit, ms] of units) {
    if (Math.abs(delta) >= ms || unit === 'second') return relative.format(Math.round(delta / ms), unit);
  }
  return iso;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
        .replace(/Z$/, ' UTC');
}

/** A timestamp: absolute (UTC) with the relative time, machine-readable in <time>. */
export function Time({ iso, relativeOnly }: { iso: string | null; relativeOnly?: boolean }) {
  if (!iso) return <span class="muted">never</span>;
  return (
    <time dateTime={iso} title={iso}>
      {relativeOnly ? timeAgo(iso) : `${formatTime(iso)} (${timeAgo(iso)})`}
    </time>
  );
}
