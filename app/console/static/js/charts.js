// Small SVG charts drawn by this file's own code: a percentile range chart against target lines, a
// horizontal bar chart, and a line chart with reference lines. Each is a plain function of its data.

import { svgEl, svgTitle } from "./svg.js";

const W = 640;

function text(x, y, content, attrs = {}) {
  const el = svgEl("text", { x, y, ...attrs });
  el.textContent = content;
  return el;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/**
 * Response-time percentiles per row (p50–p90 as a band, the mean as a tick) on a minutes axis, with each
 * row's target as a red line: rows = [{label, sub, p50, p90, mean, count, target, key}] in minutes.
 */
export function rangeChart(rows, { labels }) {
  const rowH = 25;
  const left = 130;
  const right = 118;
  const top = 14;
  const height = top + rows.length * rowH + 30;
  const max = niceMax(Math.max(...rows.flatMap((r) => [r.p90 || 0, r.target || 0, r.mean || 0])) * 1.08);
  const x = (v) => left + ((W - left - right) * v) / max;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart-svg range", role: "img" });
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const v = (max * i) / ticks;
    svg.append(svgEl("line", { x1: x(v), x2: x(v), y1: top - 6, y2: height - 28, class: "grid" }));
    svg.append(text(x(v), height - 12, `${Math.round(v)}`, { class: "axis", "text-anchor": "middle" }));
  }
  svg.append(text(W - right + 8, height - 12, labels.minutes, { class: "axis" }));
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const g = svgEl("g", { class: `range-row${r.sub ? " sub" : ""}`, "data-key": r.key, "data-count": r.count });
    g.append(text(r.sub ? 18 : 4, y + rowH / 2 + 4, r.label, { class: r.sub ? "label sub" : "label" }));
    if (r.count > 0) {
      // Half the arrivals fall in the dark part (up to the median), 90% by the end of the light part.
      const over = r.p90 > r.target ? " over" : "";
      const tip = svgTitle(`${r.label}: ${labels.describe(r)}`);
      const upper = svgEl("rect", { x: left, y: y + 5, width: Math.max(2, x(r.p90) - left), height: rowH - 10, rx: 3, class: `band p90${over}` });
      const lower = svgEl("rect", { x: left, y: y + 5, width: Math.max(1, x(r.p50) - left), height: rowH - 10, rx: 3, class: `band p50${over}` });
      upper.append(tip);
      lower.append(tip.cloneNode(true));
      g.append(upper, lower);
      const my = y + rowH / 2;
      const mx = x(r.mean);
      g.append(svgEl("path", { d: `M${mx},${my - 5}L${mx + 5},${my}L${mx},${my + 5}L${mx - 5},${my}Z`, class: "mean" }));
      g.append(text(W - right + 8, y + rowH / 2 + 4, `p90 ${r.p90.toFixed(1)} · n ${r.count}`, { class: "value" }));
    } else {
      g.append(text(left + 4, y + rowH / 2 + 4, labels.noData, { class: "muted-text" }));
    }
    if (r.target) {
      g.append(svgEl("line", { x1: x(r.target), x2: x(r.target), y1: y + 2, y2: y + rowH - 2, class: "target", "data-target": r.target }));
    }
    svg.append(g);
  });
  return svg;
}

/** Horizontal bars: rows = [{label, value, count, color, key}] with values in 0..100 (a percentage). */
export function barChart(rows, { valueText, keyAttr = "data-key", max = 100 }) {
  const rowH = 22;
  const left = 190;
  const right = 110;
  const height = rows.length * rowH + 26;
  const x = (v) => left + ((W - left - right) * v) / max;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart-svg bars", role: "img" });
  for (const v of [0, 25, 50, 75, 100].filter((v) => v <= max)) {
    svg.append(svgEl("line", { x1: x(v), x2: x(v), y1: 0, y2: height - 20, class: "grid" }));
    svg.append(text(x(v), height - 6, `${v}%`, { class: "axis", "text-anchor": "middle" }));
  }
  rows.forEach((r, i) => {
    const y = i * rowH;
    const g = svgEl("g", { class: "bar-row", [keyAttr]: r.key, "data-value": r.value.toFixed(2), "data-count": r.count });
    // Long district names ("Manendragarh-Chirmiri-Bharatpur") are cut; the bar's tooltip has them whole.
    const label = r.label.length > 25 ? `${r.label.slice(0, 24)}…` : r.label;
    g.append(text(left - 6, y + rowH / 2 + 4, label, { class: "label", "text-anchor": "end" }));
    const bar = svgEl("rect", { x: left, y: y + 3, width: Math.max(1, x(r.value) - left), height: rowH - 6, rx: 2, fill: r.color });
    bar.append(svgTitle(`${r.label}: ${valueText(r)}`));
    g.append(bar);
    g.append(text(x(r.value) + 5, y + rowH / 2 + 4, valueText(r), { class: "value" }));
    svg.append(g);
  });
  return svg;
}

/**
 * Lines over categories (months): series = [{name, color, points: [{x: key, y}]}], xs = ordered keys,
 * refs = [{y, label}] dashed reference lines (the 16 and 28 minute targets).
 */
export function lineChart({ xs, xLabel, series, refs = [], yMax = null, yUnit = "" }) {
  const height = 220;
  const left = 44;
  const right = 70;
  const top = 14;
  const bottom = 30;
  const values = series.flatMap((s) => s.points.map((p) => p.y)).concat(refs.map((r) => r.y));
  const max = yMax ?? niceMax(Math.max(1, ...values) * 1.1);
  const step = xs.length > 1 ? (W - left - right) / (xs.length - 1) : 0;
  const x = (key) => left + (xs.length > 1 ? xs.indexOf(key) * step : (W - left - right) / 2);
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart-svg lines", role: "img" });
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(svgEl("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(text(left - 6, y(v) + 4, `${Math.round(v)}${yUnit}`, { class: "axis", "text-anchor": "end" }));
  }
  const every = Math.max(1, Math.ceil(xs.length / 8));
  xs.forEach((key, i) => {
    if (i % every === 0 || i === xs.length - 1) svg.append(text(x(key), height - 10, xLabel(key), { class: "axis", "text-anchor": "middle" }));
  });
  for (const r of refs) {
    svg.append(svgEl("line", { x1: left, x2: W - right, y1: y(r.y), y2: y(r.y), class: "target", "data-target": r.y }));
    svg.append(text(W - right + 4, y(r.y) + 4, r.label, { class: "target-label" }));
  }
  for (const s of series) {
    const pts = s.points.filter((p) => xs.includes(p.x) && p.y !== null);
    const g = svgEl("g", { class: "series", "data-series": s.key || s.name });
    if (pts.length > 1) {
      g.append(svgEl("polyline", { points: pts.map((p) => `${x(p.x)},${y(p.y)}`).join(" "), fill: "none", stroke: s.color, "stroke-width": 2.5 }));
    }
    for (const p of pts) {
      const dot = svgEl("circle", { cx: x(p.x), cy: y(p.y), r: 4, fill: s.color, "data-x": p.x, "data-y": p.y.toFixed(2) });
      dot.append(svgTitle(`${s.name} · ${xLabel(p.x)}: ${p.y.toFixed(1)}${yUnit}`));
      g.append(dot);
    }
    svg.append(g);
  }
  return svg;
}
