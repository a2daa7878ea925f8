/** Chart.js and the chart code, fetched on first use (a chunk of its own; see charts.ts). */
export const loadCharts = () => import('./charts.ts');
