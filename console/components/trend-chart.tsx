import { formatTime } from './time';

export interface Series {
  name: string;
  /** [epoch ms, value] pairs, oldest first. */
  points: Array<[number, number]>;
}

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 16, bottom: 28, left: 56 };
/** Series colours are classes (chart-color-0…5 in health.css): no inline style under the CSP. */
const COLORS = 6;

/** 0, 1, 2, 5, 10, 20, 50 … : a round top for the y axis. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * pow >= max) return step * pow;
  return 10 * pow;
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
/** Axis times: minutes, or seconds when the whole span is short. */
const clock = (ms: number, span: number) => new Date(ms).toISOString().slice(11, span < 600_000 ? 19 : 16);

/**
 * A line chart drawn as SVG from the data it is given (no library: a few dozen lines beat 40 KB of
 * dependency). Described for screen readers by its label and by the data table under it.
 */
export function TrendChart(props: { id: string; label: string; unit: string; series: Series[] }) {
  const all = props.series.flatMap((s) => s.points);
  if (all.length < 2) {
    return (
      <p class="muted chart-empty" data-testid={`${props.id}-empty`}>
        Not enough snapshots yet: the chart fills in as the metrics schedule runs (every minute).
      </p>
    );
  }
  const x0 = Math.min(...all.map((p) => p[0]));
  const x1 = Math.max(...all.map((p) => p[0]));
  const yMax = niceMax(Math.max(...all.map((p) => p[1])));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + (x1 === x0 ? 0 : ((t - x0) / (x1 - x0)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / yMax) * innerH;
  const ticks = [0, yMax / 2, yMax];
  const xTicks = [x0, x0 + (x1 - x0) / 2, x1];
  const latest = props.series.map((s) => s.points[s.points.length - 1]?.[1] ?? 0);
  const summary = `${props.label}, ${formatTime(new Date(x0).toISOString())} to ${formatTime(new Date(x1).toISOString())}; latest ${props.series
    .map((s, i) => `${s.name} ${latest[i]!.toLocaleString('en')}`)
    .join(', ')} ${props.unit}.`;

  return (
    <figure class="chart" data-testid={props.id}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        {ticks.map((v) => (
          <g key={v}>
            <line class="chart-grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} />
            <text class="chart-label" x={PAD.left - 8} y={y(v) + 4} text-anchor="end">
              {compact.format(v)}
            </text>
          </g>
        ))}
        {xTicks.map((t, i) => (
          <text
            key={t}
            class="chart-label"
            x={x(t)}
            y={HEIGHT - 8}
            text-anchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}
          >
            {clock(t, x1 - x0)}
          </text>
        ))}
        {props.series.map((s, i) => (
          <polyline
            key={s.name}
            class={`chart-line chart-color-${i % COLORS}`}
            points={s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <figcaption class="chart-legend">
        {props.series.map((s, i) => (
          <span key={s.name} class="chart-key">
            <span class={`chart-swatch chart-color-${i % COLORS}`} aria-hidden="true" />
            {s.name}
          </span>
        ))}
        <span class="muted">UTC · {props.unit}</span>
      </figcaption>
      <details class="chart-data">
        <summary>Data table</summary>
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">{props.label}</caption>
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                {props.series.map((s) => (
                  <th key={s.name} scope="col" class="numeric">
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.series[0]!.points.slice(-30)
                .reverse()
                .map(([t], row) => (
                  <tr key={t}>
                    <td>{formatTime(new Date(t).toISOString())}</td>
                    {props.series.map((s) => {
                      const point = s.points[s.points.length - 1 - row];
                      return (
                        <td key={s.name} class="numeric">
                          {point ? point[1].toLocaleString('en') : '—'}
                        </td>
                      );
                    })}
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
