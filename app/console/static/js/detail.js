// One incident opened from the board or the map: what was said, who is going, its clock, and (for
// operators only) the actions: assign or swap a unit, close, cancel.

import { SERVICE_COLORS, UNKNOWN_SERVICE } from "./colors.js";
import { clockText, istTime } from "./clock.js";
import { number, serviceName, t } from "./i18n.js";
import { h } from "./svg.js";

const DISPOSITIONS = ["resolved", "assistance_given", "false_call", "no_action_needed", "referred"];

function seconds(value) {
  return value === null || value === undefined ? "—" : clockText(value);
}

function when(value) {
  return value ? istTime(new Date(value)) : "—";
}

function km(aLat, aLon, bLat, bLon) {
  const r = (d) => (d * Math.PI) / 180;
  const a = Math.sin(r(bLat - aLat) / 2) ** 2 + Math.cos(r(aLat)) * Math.cos(r(bLat)) * Math.sin(r(bLon - aLon) / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(a));
}

export class IncidentDetail {
  constructor(api, session, { units, toast, onChanged }) {
    this.api = api;
    this.session = session;
    this.units = units;
    this.toast = toast;
    this.onChanged = onChanged;
    this.drawer = document.getElementById("detail");
    this.body = document.getElementById("detail-body");
    this.current = null;
    document.getElementById("detail-close").addEventListener("click", () => this.close());
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
    });
  }

  close() {
    this.drawer.hidden = true;
    this.current = null;
  }

  async open(id) {
    this.current = id;
    this.drawer.hidden = false;
    this.drawer.dataset.incidentId = id;
    document.getElementById("detail-title").textContent = `#${id}`;
    this.body.replaceChildren(h("p", { class: "muted" }, t("common.loading")));
    try {
      const [incident, clock] = await Promise.all([
        this.api.get(`/api/v1/incidents/${id}`),
        this.api.get(`/api/v1/incidents/${id}/clock`),
      ]);
      if (this.current === id) this.render(incident, clock);
    } catch (err) {
      this.body.replaceChildren(h("p", { class: "error" }, err.message));
    }
  }

  render(incident, clock) {
    const color = SERVICE_COLORS[incident.category] || UNKNOWN_SERVICE;
    const title = document.getElementById("detail-title");
    title.replaceChildren(
      h("span", { class: "service-chip", "data-color": color }, serviceName(incident.category)),
      ` #${incident.id} · ${t(`priority.${incident.priority}`)}`,
    );
    const facts = [
      [t("detail.status"), t(`status.${incident.status}`)],
      [t("detail.where"), `${incident.district} · ${t(`area.${incident.area_type}`)}`],
      [t("detail.address"), incident.address || `${incident.lat.toFixed(4)}, ${incident.lon.toFixed(4)}`],
      [t("detail.received"), when(incident.received_at)],
      [t("detail.target"), t("detail.minutes", { min: number(incident.target_minutes, 0) })],
      [t("detail.processing"), seconds(clock.processing_s)],
      [t("detail.response"), clock.response_s === null ? t("detail.nobody_yet") : seconds(clock.response_s)],
    ];
    if (incident.secondary?.length) facts.push([t("detail.secondary"), incident.secondary.map(serviceName).join(", ")]);
    if (incident.pending?.length) facts.push([t("detail.pending"), incident.pending.map(serviceName).join(", ")]);
    if (incident.triage) {
      const tri = incident.triage;
      facts.push([
        t("detail.triage"),
        `${serviceName(tri.category)} · ${number((tri.confidence || 0) * 100, 0)}%${incident.needs_review ? ` · ${t("detail.needs_review")}` : ""}`,
      ]);
    }
    const calls = (incident.calls || []).map((c) =>
      h("li", {}, h("span", { class: "muted" }, `${when(c.received_at)} · ${t(`channel.${c.channel}`)} · ${c.caller_number || ""}`), h("q", {}, c.text || "—")),
    );
    const clockByAssignment = new Map((clock.assignments || []).map((a) => [a.assignment_id, a]));
    const rows = incident.assignments.map((a) => {
      const c = clockByAssignment.get(a.id) || {};
      return h(
        "tr",
        { "data-unit-ref": a.unit_id },
        h("td", {}, a.callsign || `#${a.unit_id}`, h("div", { class: "muted" }, t(`unit_type.${a.unit_type}`))),
        h("td", {}, serviceName(a.service)),
        h("td", {}, a.end_reason ? t("detail.ended", { reason: a.end_reason }) : t(`unit_status.${a.status}`)),
        h("td", {}, a.eta_minutes === null ? "—" : t("board.eta", { min: number(a.eta_minutes, 1) })),
        h("td", {}, when(a.dispatched_at)),
        h("td", {}, seconds(c.turnout_s)),
        h("td", {}, when(a.on_scene_at)),
      );
    });
    const parts = [
      h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      h("h3", {}, t("detail.units")),
      rows.length
        ? h(
            "table",
            { class: "assignments" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["detail.unit", "detail.service", "detail.unit_status", "detail.eta", "detail.dispatched", "detail.turnout", "detail.on_scene"].map((k) =>
                  h("th", {}, t(k)),
                ),
              ),
            ),
            h("tbody", {}, ...rows),
          )
        : h("p", { class: "muted" }, t("detail.no_units")),
      h("h3", {}, t("detail.calls")),
      calls.length ? h("ol", { class: "calls" }, ...calls) : h("p", { class: "muted" }, "—"),
    ];
    if (this.session.can.act && ["queued", "dispatched", "on_scene"].includes(incident.status)) {
      parts.push(this.actions(incident));
    }
    this.body.replaceChildren(...parts);
    for (const el of this.drawer.querySelectorAll("[data-color]")) el.style.setProperty("--c", el.dataset.color);
  }

  actions(incident) {
    const active = incident.assignments.filter((a) => !a.cleared_at && !a.end_reason);
    const free = [...this.units().values()]
      .filter((u) => u.status === "available" && !u.stale && u.district === incident.district)
      .map((u) => ({ u, d: km(incident.lat, incident.lon, u.lat, u.lon) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 30);
    const unitSelect = h(
      "select",
      { name: "unit", "aria-label": t("detail.unit") },
      ...free.map(({ u, d }) => h("option", { value: u.id }, `${u.callsign} · ${t(`unit_type.${u.type}`)} · ${number(d, 1)} km`)),
    );
    const replaceSelect = h(
      "select",
      { name: "replace", "aria-label": t("detail.replace") },
      h("option", { value: "" }, t("detail.replace_none")),
      ...active.map((a) => h("option", { value: a.unit_id }, a.callsign || `#${a.unit_id}`)),
    );
    const disposition = h(
      "select",
      { name: "disposition" },
      ...DISPOSITIONS.map((d) => h("option", { value: d }, t(`disposition.${d}`))),
    );
    const reason = h("input", { name: "reason", type: "text", maxlength: 500, placeholder: t("detail.cancel_reason") });
    const run = async (label, fn) => {
      try {
        await fn();
        this.toast(t("detail.done", { action: label }));
        this.onChanged(incident.id);
        await this.open(incident.id);
      } catch (err) {
        this.toast(err.message, true);
      }
    };
    const assign = h("form", { class: "action" },
      h("label", {}, t("detail.assign"), unitSelect),
      h("label", {}, t("detail.replace"), replaceSelect),
      h("button", { type: "submit", disabled: free.length === 0 }, t("detail.assign_button")),
    );
    assign.addEventListener("submit", (e) => {
      e.preventDefault();
      const body = { unit_id: Number(unitSelect.value) };
      if (replaceSelect.value) body.replace_unit_id = Number(replaceSelect.value);
      run(t("detail.assign_button"), () => this.api.post(`/api/v1/incidents/${incident.id}/assign`, body));
    });
    const close = h("form", { class: "action" },
      h("label", {}, t("detail.disposition"), disposition),
      h("button", { type: "submit" }, t("detail.close_incident")),
    );
    close.addEventListener("submit", (e) => {
      e.preventDefault();
      run(t("detail.close_incident"), () => this.api.post(`/api/v1/incidents/${incident.id}/close`, { disposition: disposition.value }));
    });
    const cancel = h("form", { class: "action" },
      h("label", {}, t("detail.cancel_reason"), reason),
      h("button", { type: "submit", class: "danger" }, t("detail.cancel_incident")),
    );
    cancel.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!reason.value.trim()) {
        reason.focus();
        return;
      }
      run(t("detail.cancel_incident"), () => this.api.post(`/api/v1/incidents/${incident.id}/cancel`, { reason: reason.value.trim() }));
    });
    return h("section", { class: "actions", "data-operator-actions": "" }, h("h3", {}, t("detail.actions")), assign, close, cancel);
  }
}
