// The traffic charts (uPlot, served by the app): an hour of one-second points, which the server sends
// once when the page connects and then one a second. Colours come from the page's palette, so light and
// dark follow the system setting; the charts are drawn again when it changes.

import uPlot from '/vendor/uplot/dist/uPlot.esm.js';

const HOUR = 3600;
const HEIGHT = 170;

const CHARTS = [
    { id: 'chart-tokens', series: [{ label: 'tokens/s', value: p => p.tokensPerSecond, color: 'accent' }],
        format: v => v.toFixed(v < 10 ? 1 : 0) },
    { id: 'chart-ttft', series: [
        { label: 'p50', value: p => p.ttftP50, color: 'accent' },
        { label: 'p95', value: p => p.ttftP95, color: 'warm' }], format: v => v.toFixed(2), sparse: true },
    { id: 'chart-requests', series: [
        { label: 'running', value: p => p.running, color: 'accent' },
        { label: 'waiting', value: p => p.waiting, color: 'warm' }], format: v => v.toFixed(0),
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
    { id: 'chart-hits', series: [
        { label: 'hit rate', value: p => (p.prefixHitRate == null ? null : 100 * p.prefixHitRate), color: 'green' }],
        format: v => v.toFixed(0), max: 100, sparse: true },
];

function palette() {
    const style = getComputedStyle(document.documentElement);
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    return {
        text: style.getPropertyValue('--muted').trim(),
        grid: style.getPropertyValue('--border').trim(),
        accent: style.getPropertyValue('--accent').trim(),
        warm: dark ? '#e0a35a' : '#b5651d',
        green: dark ? '#6fcf97' : '#2e9d57',
    };
}

export class TrafficCharts {
    constructor() {
        this.times = [];
        this.values = CHARTS.map(chart => chart.series.map(() => []));
        this.plots = [];
        this.build();
        window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.build());
        this.resizer = new ResizeObserver(() => this.resize());
        CHARTS.forEach(chart => this.resizer.observe(document.getElementById(chart.id)));
    }

    build() {
        this.plots.forEach(plot => plot.destroy());
        const colors = palette();
        this.plots = CHARTS.map((chart, index) => {
            const figure = document.getElementById(chart.id);
            const axis = { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid } };
            return new uPlot({
                width: Math.max(200, figure.clientWidth),
                height: HEIGHT,
                cursor: { drag: { x: false, y: false } },
                scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(chart.max ?? 0, max || 1)] } },
                axes: [axis, { ...axis, size: 48, values: (u, ticks) => ticks.map(chart.format),
                    ...(chart.incrs ? { incrs: chart.incrs } : {}) }],
                series: [{}, ...chart.series.map(series => ({
                    label: series.label, stroke: colors[series.color], width: 2,
                    value: (u, v) => (v == null ? '—' : chart.format(v)),
                    // Series with gaps (no request finished that minute) show their points too, or a lone
                    // second between gaps would not show at all.
                    points: chart.sparse ? { show: true, size: 4, fill: colors[series.color] } : { show: false },
                }))],
            }, [this.times, ...this.values[index]], figure);
        });
    }

    resize() {
        CHARTS.forEach((chart, index) => {
            const width = Math.max(200, document.getElementById(chart.id).clientWidth);
            if (this.plots[index] && Math.abs(this.plots[index].width - width) > 1) {
                this.plots[index].setSize({ width, height: HEIGHT });
            }
        });
    }

    /** Replaces everything with the server's hour of points. */
    load(points) {
        this.times.length = 0;
        this.values.forEach(chart => chart.forEach(series => { series.length = 0; }));
        points.forEach(point => this.append(point));
        this.redraw();
    }

    /** Adds the newest point (a second the page has already skips). */
    push(point) {
        if (point == null || (this.times.length > 0 && point.time <= this.times[this.times.length - 1])) {
            return;
        }
        this.append(point);
        while (this.times.length > 0 && this.times[0] < point.time - HOUR) {
            this.times.shift();
            this.values.forEach(chart => chart.forEach(series => series.shift()));
        }
        this.redraw();
    }

    append(point) {
        this.times.push(point.time);
        CHARTS.forEach((chart, index) => chart.series.forEach((series, s) => this.values[index][s].push(series.value(point))));
    }

    redraw() {
        this.plots.forEach((plot, index) => plot.setData([this.times, ...this.values[index]]));
    }
}
