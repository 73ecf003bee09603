// The analytics page: response times against the targets, % within target by district, the monthly
// trend, and help delivered by service (the state review's headline counts), for a period and district.

import { barChart, lineChart, rangeChart } from "./charts.js";
import { SERVICE_COLORS, withinTargetBar } from "./colors.js";
import { periodRange } from "./clock.js";
import { language, number, serviceName, t } from "./i18n.js";
import { h } from "./svg.js";

const SERVICES = ["police", "fire", "medical", "women", "child"];
const HELPED = [
  ["police_helped", "police"],
  ["medical_helped", "medical"],
  ["fire_helped", "fire"],
  ["road_accidents_helped", null],
  ["women_helped", "women"],
  ["child_helped", "child"],
];
const KPIS = ["calls", "incidents", "duplicates", "referred", "cancelled", "helped"];
const DEFAULT_TARGETS = { urban: 16, rural: 28 };

function monthLabel(key) {
  const [y, m] = key.split("-").map(Number);
  return new Intl.DateTimeFormat(language() === "hi" ? "hi-IN" : "en-IN", { month: "short", year: "2-digit", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, 1)),
  );
}

function monthsBetween(from, to) {
  const out = [];
  let [y, m] = from.split("-").map(Number);
  const [ty, tm] = to.split("-").map(Number);
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, "0")}-01`);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

export class AnalyticsView {
  constructor(api, session, { toast }) {
    this.api = api;
    this.session = session;
    this.toast = toast;
    this.period = document.getElementById("period");
    this.from = document.getElementById("from");
    this.to = document.getElementById("to");
    this.district = document.getElementById("analytics-district");
    this.status = document.getElementById("analytics-status");
    this.started = false;
    this.generation = 0;
  }

  async start(districtNames) {
    if (this.started) return;
    this.started = true;
    this.districtNames = districtNames;
    this.fillDistricts();
    this.applyPeriod();
    this.period.addEventListener("change", () => {
      this.applyPeriod();
      this.load();
    });
    for (const input of [this.from, this.to]) {
      input.addEventListener("change", () => {
        this.period.value = "custom";
        this.load();
      });
    }
    this.district.addEventListener("change", () => this.load());
    for (const button of document.querySelectorAll("#view-analytics [data-csv]")) {
      button.addEventListener("click", () => this.download(button.dataset.csv));
    }
    try {
      const targets = await this.api.get("/api/v1/targets");
      this.targets = { ...DEFAULT_TARGETS };
      for (const row of targets) {
        if (row.current && !row.district && !row.category) this.targets[row.area_type] = row.minutes;
      }
    } catch {
      this.targets = { ...DEFAULT_TARGETS };
    }
    await this.load();
  }

  fillDistricts() {
    const fixed = this.session.district;
    const chosen = this.district.value;
    this.district.replaceChildren(
      ...(fixed ? [] : [h("option", { value: "" }, t("filter.all_districts"))]),
      ...(fixed ? [fixed] : this.districtNames).map((n) => h("option", { value: n }, n)),
    );
    this.district.value = fixed || chosen || "";
    this.district.disabled = Boolean(fixed);
  }

  applyPeriod() {
    if (this.period.value === "custom") return;
    const [from, to] = periodRange(this.period.value, new Date());
    this.from.value = from;
    this.to.value = to;
  }

  query(extra = {}) {
    return { from: this.from.value, to: this.to.value, district: this.district.value || this.session.district, ...extra };
  }

  async load() {
    if (!this.from.value || !this.to.value) return;
    const generation = ++this.generation;
    this.status.textContent = t("common.loading");
    const rt = (group_by) => this.api.get("/api/v1/analytics/response-times", this.query({ group_by }));
    try {
      const [byArea, byAreaService, byDistrict, byMonth, byMonthArea, volumes] = await Promise.all([
        rt("area_type"),
        rt("area_type,category"),
        rt("district"),
        rt("month"),
        rt("month,area_type"),
        this.api.get("/api/v1/analytics/volumes", this.query()),
      ]);
      if (generation !== this.generation) return;
      this.data = { byArea, byAreaService, byDistrict, byMonth, byMonthArea, volumes };
      this.render();
      const total = byArea.reduce((n, r) => n + r.count, 0);
      this.status.textContent = t("analytics.loaded", { n: number(total), from: this.from.value, to: this.to.value });
    } catch (err) {
      if (generation === this.generation) this.status.textContent = err.message;
    }
  }

  render() {
    if (!this.data) return;
    const { byArea, byAreaService, byDistrict, byMonth, byMonthArea, volumes } = this.data;
    this.renderKpis(volumes[0] || {}, byArea);
    this.renderDistribution(byArea, byAreaService);
    this.renderDistricts(byDistrict);
    this.renderTrend(byMonth, byMonthArea);
    this.renderVolumes(volumes[0] || {});
  }

  renderKpis(v, byArea) {
    const all = byArea.reduce(
      (acc, r) => ({ n: acc.n + r.count, within: acc.within + (r.count * (r.within_target_pct || 0)) / 100 }),
      { n: 0, within: 0 },
    );
    const tiles = KPIS.map((k) => h("div", { class: "kpi", "data-kpi": k }, h("b", {}, number(v[k] || 0)), h("span", {}, t(`kpi.${k}`))));
    tiles.push(
      h(
        "div",
        { class: "kpi", "data-kpi": "within_target_pct" },
        h("b", {}, all.n ? `${number((100 * all.within) / all.n, 1)}%` : "—"),
        h("span", {}, t("kpi.within_target")),
      ),
    );
    document.getElementById("kpis").replaceChildren(...tiles);
  }

  renderDistribution(byArea, byAreaService) {
    const rows = [];
    for (const area of ["urban", "rural"]) {
      const r = byArea.find((x) => x.area_type === area);
      const target = this.targets[area];
      rows.push(this.rangeRow(`${area}`, t(`area.${area}`), r, target, false));
      for (const service of SERVICES) {
        const s = byAreaService.find((x) => x.area_type === area && x.category === service);
        if (s) rows.push(this.rangeRow(`${area}:${service}`, serviceName(service), s, target, true));
      }
    }
    const chart = rangeChart(rows, {
      labels: {
        minutes: t("chart.minutes"),
        noData: t("chart.no_data"),
        describe: (r) => t("chart.range_tip", { p50: r.p50.toFixed(1), p90: r.p90.toFixed(1), mean: r.mean.toFixed(1), n: r.count, target: r.target }),
      },
    });
    const legend = h(
      "p",
      { class: "chart-legend" },
      h("i", { class: "sw p50" }),
      t("chart.legend_p50"),
      h("i", { class: "sw p90" }),
      t("chart.legend_p90"),
      h("i", { class: "sw mean" }),
      t("chart.legend_mean"),
      h("i", { class: "sw target" }),
      t("chart.legend_target", { urban: this.targets.urban, rural: this.targets.rural }),
    );
    document.querySelector("#chart-distribution .chart").replaceChildren(chart, legend);
  }

  rangeRow(key, label, r, target, sub) {
    return {
      key,
      label,
      sub,
      target,
      count: r ? r.count : 0,
      p50: r ? r.p50_s / 60 : 0,
      p90: r ? r.p90_s / 60 : 0,
      mean: r ? r.mean_s / 60 : 0,
    };
  }

  renderDistricts(byDistrict) {
    const rows = byDistrict
      .filter((r) => r.within_target_pct !== null)
      .sort((a, b) => a.within_target_pct - b.within_target_pct || a.district.localeCompare(b.district))
      .map((r) => ({ key: r.district, label: r.district, value: r.within_target_pct, count: r.count, color: withinTargetBar(r.within_target_pct) }));
    const target = document.querySelector("#chart-districts .chart");
    if (!rows.length) {
      target.replaceChildren(h("p", { class: "muted" }, t("chart.no_data")));
      return;
    }
    target.replaceChildren(
      barChart(rows, {
        keyAttr: "data-district",
        valueText: (r) => `${number(r.value, 1)}% · n ${number(r.count)}`,
      }),
      h("p", { class: "chart-legend muted" }, t("chart.districts_note")),
    );
  }

  renderTrend(byMonth, byMonthArea) {
    const xs = monthsBetween(this.from.value, this.to.value);
    const within = lineChart({
      xs,
      xLabel: monthLabel,
      yMax: 100,
      yUnit: "%",
      series: [{ key: "within_target_pct", name: t("kpi.within_target"), color: "#1f5fbf", points: byMonth.map((r) => ({ x: r.month, y: r.within_target_pct })) }],
    });
    const p90 = lineChart({
      xs,
      xLabel: monthLabel,
      series: ["urban", "rural"].map((area) => ({
        key: `p90_${area}`,
        name: `p90 ${t(`area.${area}`)}`,
        color: area === "urban" ? "#7048e8" : "#0c8599",
        points: byMonthArea.filter((r) => r.area_type === area).map((r) => ({ x: r.month, y: r.p90_s / 60 })),
      })),
      refs: [
        { y: this.targets.urban, label: `${t("area.urban")} ${this.targets.urban}′` },
        { y: this.targets.rural, label: `${t("area.rural")} ${this.targets.rural}′` },
      ],
    });
    document.querySelector("#chart-trend .chart").replaceChildren(
      h("div", { class: "trend" },
        h("figure", {}, h("figcaption", {}, t("chart.trend_within")), within),
        h("figure", {}, h("figcaption", {}, t("chart.trend_p90")), p90,
          h("p", { class: "chart-legend" },
            h("i", { class: "sw line", "data-color": "#7048e8" }), `p90 ${t("area.urban")}`,
            h("i", { class: "sw line", "data-color": "#0c8599" }), `p90 ${t("area.rural")}`))),
    );
    for (const el of document.querySelectorAll("#chart-trend [data-color]")) el.style.setProperty("--c", el.dataset.color);
  }

  renderVolumes(v) {
    const rows = HELPED.map(([column, service]) => ({
      key: column,
      label: service ? serviceName(service) : t("kpi.road_accidents"),
      value: v[column] || 0,
      count: v[column] || 0,
      color: service ? SERVICE_COLORS[service] : "#495057",
    }));
    const max = Math.max(1, ...rows.map((r) => r.value));
    const scaled = rows.map((r) => ({ ...r, value: (100 * r.value) / max }));
    const chart = barChart(scaled, { keyAttr: "data-volume", valueText: (r) => number(r.count) });
    // The axis is a share of the largest bar, not a percentage of anything: hide its labels.
    chart.classList.add("no-axis");
    document.querySelector("#chart-volumes .chart").replaceChildren(chart, h("p", { class: "chart-legend muted" }, t("chart.volumes_note")));
  }

  async download(kind) {
    try {
      const path = kind === "volumes" ? "/api/v1/analytics/volumes" : "/api/v1/analytics/response-times";
      const query = kind === "volumes" ? this.query({ group_by: "district" }) : this.query({ group_by: kind });
      const blob = await this.api.csv(path, query);
      const a = h("a", { href: URL.createObjectURL(blob), download: `dial112-${kind.replace(/,/g, "-")}-${this.from.value}-${this.to.value}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (err) {
      this.toast(err.message, true);
    }
  }

  relabel() {
    if (!this.started) return;
    this.fillDistricts();
    this.render();
  }
}
