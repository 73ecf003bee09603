// The live view: open incidents, units and risk, loaded once through the API and then kept current by
// the operator feed (no page reloads, no polling faster than the feed). Draws the map and the board.

import { Feed } from "./api.js";
import { RISK_COLORS, SERVICE_COLORS, UNIT_STATUS_COLORS, UNKNOWN_SERVICE, WITHIN_TARGET_STEPS, withinTargetFill } from "./colors.js";
import { clockText, istTime, periodRange } from "./clock.js";
import { number, serviceName, t } from "./i18n.js";
import { StateMap } from "./map.js";
import { h } from "./svg.js";

const OPEN = ["queued", "dispatched", "on_scene"];
const SERVICES = ["police", "fire", "medical", "women", "child"];
const RISK_RANK = { breached: 0, at_risk: 1, ok: 2, arrived: 3 };
// Closer than this to its target an incident counts as at risk even before the server's watchdog says so.
const AT_RISK_SHARE = 0.25;
// GPS fixes are not on the feed (too many): positions are re-read this often, and on every unit event.
const POSITIONS_EVERY_MS = 30_000;
// A full re-read catches anything a dropped connection could have hidden; the feed does the real work.
const RESYNC_EVERY_MS = 120_000;
const SHADING_EVERY_MS = 300_000;

/** Debounce: run fn once, `ms` after the last call. */
function later(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

export class LiveView {
  constructor(api, session, { openIncident, onFeedState }) {
    this.api = api;
    this.session = session;
    this.openIncident = openIncident;
    this.onFeedState = onFeedState;
    this.incidents = new Map();
    this.units = new Map();
    this.atRisk = new Map();
    this.risks = new Map();
    this.filters = { district: session.district || "", service: "" };
    this.pendingIncidents = new Set();
    this.refreshedAt = new Map();
    this.timers = [];
    this.map = new StateMap(document.getElementById("map"), {
      onIncident: (id) => this.openIncident(id),
      describeIncident: (i) => this.describeIncident(i),
      describeUnit: (u) => `${u.callsign} · ${t(`unit_type.${u.type}`)} · ${t(`unit_status.${u.status}`)}${u.stale ? ` · ${t("unit.stale")}` : ""}`,
    });
    this.scheduleIncidents = later(() => this.refreshPendingIncidents(), 100);
    this.scheduleUnits = later(() => this.loadUnits(), 1500);
    this.scheduleRisk = later(() => this.loadRisk(), 1000);
    this.scheduleShading = later(() => this.loadShading(), 30_000);
    this.scheduleRender = later(() => this.render(), 30);
  }

  async start() {
    const districts = await (await fetch("/console/geo/districts.geojson")).json();
    this.districtNames = districts.features.map((f) => f.properties.name).sort();
    this.map.setDistricts(districts, this.session.district);
    this.fillFilters();
    document.getElementById("zoom-in").addEventListener("click", () => this.map.zoom(1.5));
    document.getElementById("zoom-out").addEventListener("click", () => this.map.zoom(1 / 1.5));
    document.getElementById("zoom-reset").addEventListener("click", () => this.map.reset());
    this.renderLegend();
    this.feed = new Feed(this.api, {
      district: this.session.district,
      onEvent: (kind, event) => this.onEvent(kind, event),
      onState: (state) => {
        this.onFeedState(state);
        // Re-read once the stream is open: whatever changed before its starting point is in the lists,
        // everything after it comes through the feed, so nothing falls in between (also after a drop).
        if (state === "live") this.resync();
      },
    });
    this.feed.start();
    await this.resync();
    this.timers.push(setInterval(() => this.tick(), 1000));
    this.timers.push(setInterval(() => this.loadUnits(), POSITIONS_EVERY_MS));
    this.timers.push(setInterval(() => this.resync(), RESYNC_EVERY_MS));
    if (this.session.can.analytics) this.timers.push(setInterval(() => this.loadShading(), SHADING_EVERY_MS));
  }

  stop() {
    if (this.feed) this.feed.stop();
    for (const timer of this.timers) clearInterval(timer);
  }

  async resync() {
    await Promise.all([this.loadIncidents(), this.loadUnits(), this.loadRisk(), this.loadShading()]);
  }

  // ------------------------------------------------------------------------------------------ loading

  async loadIncidents() {
    const district = this.session.district;
    const started = performance.now();
    const lists = await Promise.all(
      OPEN.map((status) => this.api.get("/api/v1/incidents", { status, district, limit: 1000 })),
    );
    const fresh = new Map(lists.flat().map((i) => [i.id, i]));
    // An incident the feed made us re-read while the lists were on their way is newer than the lists.
    for (const [id, at] of this.refreshedAt) {
      if (at < started) this.refreshedAt.delete(id);
      else if (this.incidents.has(id)) fresh.set(id, this.incidents.get(id));
      else fresh.delete(id);
    }
    this.incidents = fresh;
    this.scheduleRender();
  }

  async loadUnits() {
    const units = await this.api.get("/api/v1/units", { district: this.session.district, limit: 10000 });
    this.units = new Map(units.map((u) => [u.id, u]));
    this.map.setUnits([...this.units.values()]);
  }

  async loadRisk() {
    const rows = await this.api.get("/api/v1/incidents/at-risk");
    this.atRisk = new Map(rows.map((r) => [r.incident_id, r]));
    this.scheduleRender();
  }

  async loadShading() {
    if (!this.session.can.analytics) {
      this.map.setShading(null);
      this.shadingCaption = t("map.shading_needs_supervisor");
      this.updateCaption();
      return;
    }
    const [from] = periodRange("this_month", new Date());
    const rows = await this.api.get("/api/v1/analytics/response-times", {
      group_by: "district",
      from,
      district: this.session.district,
    });
    this.map.setShading(new Map(rows.map((r) => [r.district, r.within_target_pct])));
    this.shadingCaption = t("map.shading_caption", { from });
    this.updateCaption();
  }

  async refreshPendingIncidents() {
    const ids = [...this.pendingIncidents];
    this.pendingIncidents.clear();
    await Promise.all(
      ids.map(async (id) => {
        try {
          const incident = await this.api.get(`/api/v1/incidents/${id}`);
          if (OPEN.includes(incident.status) && this.inScope(incident)) this.incidents.set(id, incident);
          else this.incidents.delete(id);
          this.refreshedAt.set(id, performance.now());
        } catch (err) {
          if (err.status === 404 || err.status === 403) this.incidents.delete(id);
        }
      }),
    );
    this.scheduleRender();
  }

  inScope(incident) {
    return !this.session.district || incident.district === this.session.district;
  }

  // ------------------------------------------------------------------------------------------ the feed

  onEvent(kind, event) {
    if (event.incident_id && (kind.startsWith("incident.") || kind.startsWith("assignment."))) {
      this.pendingIncidents.add(event.incident_id);
      this.scheduleIncidents();
      this.scheduleRisk();
    }
    if (event.unit_id) {
      const unit = this.units.get(event.unit_id);
      // Show the step at once; positions follow with the next read of the unit list.
      const status =
        kind === "unit.status" ? event.data?.to : kind === "unit.available" ? "available" : kind === "assignment.created" ? "dispatched" : null;
      if (unit && status) {
        unit.status = status;
        this.map.setUnits([...this.units.values()]);
      }
      this.scheduleUnits();
      if (kind === "unit.status" && event.data?.to === "on_scene") this.scheduleShading();
    }
    if (kind === "incident.at_risk" || kind === "incident.breached") this.scheduleRisk();
  }

  // ------------------------------------------------------------------------------------------ drawing

  riskOf(incident, nowMs) {
    if (incident.response_seconds !== null || incident.status === "on_scene") return "arrived";
    const target = incident.target_minutes * 60;
    const remaining = target - (nowMs - Date.parse(incident.received_at)) / 1000;
    if (remaining <= 0) return "breached";
    if (this.atRisk.has(incident.id) || remaining < target * AT_RISK_SHARE) return "at_risk";
    return "ok";
  }

  visible() {
    const now = Date.now();
    const list = [];
    for (const incident of this.incidents.values()) {
      if (this.filters.district && incident.district !== this.filters.district) continue;
      if (this.filters.service && incident.category !== this.filters.service) continue;
      const risk = this.riskOf(incident, now);
      const remaining = incident.target_minutes * 60 - (now - Date.parse(incident.received_at)) / 1000;
      list.push({ incident, risk, remaining });
    }
    list.sort(
      (a, b) =>
        RISK_RANK[a.risk] - RISK_RANK[b.risk] ||
        (a.risk === "arrived" ? Date.parse(b.incident.received_at) - Date.parse(a.incident.received_at) : a.remaining - b.remaining) ||
        a.incident.priority - b.incident.priority,
    );
    return list;
  }

  render() {
    const items = this.visible();
    this.risks = new Map(items.map((x) => [x.incident.id, x.risk]));
    this.map.setIncidents(items);
    const board = document.getElementById("board");
    board.replaceChildren(...items.map((x) => this.card(x)));
    document.getElementById("board-count").textContent = String(items.length);
    document.getElementById("board-empty").hidden = items.length > 0;
    this.renderSummary(items);
    this.tick();
  }

  renderSummary(items) {
    const count = (risk) => items.filter((x) => x.risk === risk).length;
    const queued = items.filter((x) => x.incident.status === "queued").length;
    const chip = (cls, label, n) => h("span", { class: `sum ${cls}` }, h("b", {}, String(n)), " ", label);
    document.getElementById("board-summary").replaceChildren(
      chip("breached", t("risk.breached"), count("breached")),
      chip("at_risk", t("risk.at_risk"), count("at_risk")),
      chip("queued", t("status.queued"), queued),
      chip("arrived", t("risk.arrived"), count("arrived")),
    );
  }

  card({ incident, risk }) {
    const color = SERVICE_COLORS[incident.category] || UNKNOWN_SERVICE;
    const units = incident.assignments
      .filter((a) => !a.cleared_at && !a.end_reason)
      .map((a) => {
        const unit = this.units.get(a.unit_id);
        const status = unit ? unit.status : a.status;
        return h(
          "span",
          { class: `unit-chip status-${status}`, "data-unit-ref": a.unit_id },
          h("i", { class: "dot", "data-color": UNIT_STATUS_COLORS[status] || "#adb5bd" }),
          `${a.callsign || `#${a.unit_id}`} · ${t(`unit_status.${status}`)}`,
          a.eta_minutes !== null && !a.on_scene_at ? h("span", { class: "muted" }, ` · ${t("board.eta", { min: number(a.eta_minutes, 0) })}`) : null,
        );
      });
    const pending = (incident.pending || []).map((service) =>
      h("span", { class: "unit-chip waiting" }, t("board.waiting_for", { service: serviceName(service) })),
    );
    const card = h(
      "li",
      {
        class: `incident-card risk-${risk}`,
        "data-incident-id": incident.id,
        "data-risk": risk,
        "data-service": incident.category || "",
        "data-district": incident.district,
        tabindex: 0,
        onclick: () => this.openIncident(incident.id),
        onkeydown: (e) => {
          if (e.key === "Enter") this.openIncident(incident.id);
        },
      },
      h(
        "div",
        { class: "card-top" },
        h("span", { class: "service-chip", "data-color": color }, serviceName(incident.category)),
        h("span", { class: `prio prio-${incident.priority}` }, t(`priority.${incident.priority}`)),
        h("span", { class: "inc-id" }, `#${incident.id}`),
        h("span", { class: `risk-badge ${risk}` }, t(`risk.${risk}`)),
      ),
      h(
        "div",
        { class: "card-where" },
        h("b", {}, incident.district),
        ` · ${t(`area.${incident.area_type}`)} · ${t("board.received", { time: istTime(new Date(incident.received_at)) })}`,
        incident.secondary?.length ? ` · + ${incident.secondary.map(serviceName).join(", ")}` : "",
      ),
      h(
        "div",
        { class: "clock-row" },
        h("span", {
          class: "clock",
          "data-received-at": incident.received_at,
          "data-target-s": incident.target_minutes * 60,
          "data-response-s": incident.response_seconds ?? "",
        }),
        h("span", { class: "target muted" }, t("board.target", { min: number(incident.target_minutes, 0) })),
        h("span", { class: "bar" }, h("span", { class: "fill" })),
      ),
      h("div", { class: "card-units" }, ...units, ...pending),
    );
    for (const el of card.querySelectorAll("[data-color]")) el.style.setProperty("--c", el.dataset.color);
    return card;
  }

  /** Every second: move each clock; re-sort when an incident changed risk band. */
  tick() {
    const now = Date.now();
    let changed = false;
    for (const el of document.querySelectorAll("#board .clock")) {
      const target = Number(el.dataset.targetS);
      const response = el.dataset.responseS === "" ? null : Number(el.dataset.responseS);
      const elapsed = response ?? (now - Date.parse(el.dataset.receivedAt)) / 1000;
      const remaining = target - elapsed;
      let text;
      if (response !== null) text = t("clock.arrived_in", { time: clockText(response) });
      else if (remaining >= 0) text = t("clock.left", { time: clockText(remaining) });
      else text = t("clock.late", { time: clockText(-remaining) });
      el.textContent = text;
      el.dataset.elapsedS = String(Math.floor(elapsed));
      el.classList.toggle("late", remaining < 0);
      const fill = el.parentElement.querySelector(".fill");
      fill.style.width = `${Math.min(100, Math.max(0, (elapsed / target) * 100)).toFixed(1)}%`;
      fill.classList.toggle("late", remaining < 0);
      const card = el.closest(".incident-card");
      const incident = this.incidents.get(Number(card.dataset.incidentId));
      if (incident && this.riskOf(incident, now) !== card.dataset.risk) changed = true;
    }
    if (changed) this.scheduleRender();
  }

  // ------------------------------------------------------------------------------------------ controls

  fillFilters() {
    const district = document.getElementById("filter-district");
    const service = document.getElementById("filter-service");
    const names = this.session.district ? [this.session.district] : this.districtNames;
    district.replaceChildren(
      ...(this.session.district ? [] : [h("option", { value: "" }, t("filter.all_districts"))]),
      ...names.map((n) => h("option", { value: n }, n)),
    );
    district.value = this.filters.district;
    district.disabled = Boolean(this.session.district);
    service.replaceChildren(
      h("option", { value: "" }, t("filter.all_services")),
      ...SERVICES.map((s) => h("option", { value: s }, serviceName(s))),
    );
    service.value = this.filters.service;
    district.onchange = () => {
      this.filters.district = district.value;
      this.render();
    };
    service.onchange = () => {
      this.filters.service = service.value;
      this.render();
    };
  }

  renderLegend() {
    const swatch = (color, cls = "sw") => {
      const el = h("i", { class: cls });
      el.style.setProperty("--c", color);
      return el;
    };
    const legend = document.getElementById("map-legend");
    legend.replaceChildren(
      h("span", { class: "lg-title" }, t("legend.services")),
      ...SERVICES.map((s) => h("span", { class: "lg" }, swatch(SERVICE_COLORS[s]), serviceName(s))),
      h("span", { class: "lg-title" }, t("legend.ring")),
      ...["breached", "at_risk", "ok"].map((r) => h("span", { class: "lg" }, swatch(RISK_COLORS[r], "ring"), t(`risk.${r}`))),
      h("span", { class: "lg-title" }, t("legend.units")),
      ...["available", "dispatched", "on_scene", "out_of_service"].map((s) =>
        h("span", { class: "lg" }, swatch(UNIT_STATUS_COLORS[s], "dotsw"), t(`unit_status.${s}`)),
      ),
      ...(this.session.can.analytics
        ? [
            h("span", { class: "lg-title" }, t("legend.within_target")),
            ...WITHIN_TARGET_STEPS.map(([min, label]) => h("span", { class: "lg" }, swatch(withinTargetFill(min)), label)),
          ]
        : []),
    );
  }

  updateCaption() {
    document.getElementById("map-caption").textContent = this.shadingCaption || "";
  }

  describeIncident(i) {
    return `#${i.id} · ${serviceName(i.category)} · ${t(`priority.${i.priority}`)} · ${i.district}`;
  }

  /** Relabel after a language change. */
  relabel() {
    this.fillFilters();
    this.renderLegend();
    this.render();
    this.loadShading().catch(() => {});
    this.map.setUnits([...this.units.values()]);
  }
}
