/**
 * The analytics charts (Chart.js, only the parts used: bar and line charts on category and linear
 * scales). Loaded with `import()` by the Analytics page, so Chart.js is a chunk of its own and not part
 * of the console's first load. Colours come from the theme's CSS variables and follow a theme change
 * (the `data-theme` attribute), so light and dark both read.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
}

export interface ChartSpec {
  type: 'bar' | 'line';
  labels: string[];
  series: ChartSeries[];
  /** Horizontal bars (long category names: outcomes, providers). */
  horizontal?: boolean;
  stacked?: boolean;
  unit?: string;
}

/** Series colours per theme: distinct in hue and lightness, readable on either background. */
const PALETTE = {
  light: ['#1d4ed8', '#c2410c', '#15803d', '#7e22ce', '#0e7490', '#be123c'],
  dark: ['#60a5fa', '#fb923c', '#4ade80', '#c084fc', '#22d3ee', '#fb7185'],
};

function themeColours() {
  const root = globalThis.document.documentElement;
  const css = getComputedStyle(root);
  const dark = root.getAttribute('data-theme') === 'dark';
  return {
    series: dark ? PALETTE.dark : PALETTE.light,
    text: css.getPropertyValue('--muted').trim() || '#475569',
    grid: css.getPropertyValue('--border').trim() || '#cbd5e1',
  };
}

function configOf(spec: ChartSpec): ChartConfiguration {
  const c = themeColours();
  const axis = (stacked: boolean, title?: string) => ({
    stacked,
    ticks: { color: c.text },
    grid: { color: c.grid },
    ...(title ? { title: { display: true, text: title, color: c.text } } : {}),
  });
  const value = axis(spec.stacked ?? false, spec.unit);
  const category = axis(spec.stacked ?? false);
  return {
    type: spec.type,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s, i) => {
        const colour = c.series[i % c.series.length];
        return {
          label: s.label,
          data: s.values,
          backgroundColor: colour,
          borderColor: colour,
          borderWidth: spec.type === 'line' ? 2 : 0,
          pointRadius: spec.type === 'line' ? 2 : 0,
          spanGaps: true,
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? 'y' : 'x',
      plugins: {
        legend: { display: spec.series.length > 1, labels: { color: c.text } },
        tooltip: { enabled: true },
      },
      scales: spec.horizontal ? { x: value, y: category } : { x: category, y: value },
    },
  } as ChartConfiguration;
}

export interface ChartHandle {
  update(spec: ChartSpec): void;
  destroy(): void;
}

/** Draws `spec` on the canvas; redraws with the other theme's colours when the theme changes. */
export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): ChartHandle {
  let current = spec;
  let chart = new Chart(canvas, configOf(current));
  const redraw = () => {
    chart.destroy();
    chart = new Chart(canvas, configOf(current));
  };
  const observer = new MutationObserver(redraw);
  observer.observe(globalThis.document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return {
    update(next) {
      current = next;
      redraw();
    },
    destroy() {
      observer.disconnect();
      chart.destroy();
    },
  };
}
