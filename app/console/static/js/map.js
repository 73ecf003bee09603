// The state map: district outlines from the service's own GeoJSON, drawn as SVG by this file's own
// projection (no tiles, no map library), with incidents and units on top; pan and zoom by viewBox.

import { RISK_COLORS, SERVICE_COLORS, UNIT_STATUS_COLORS, UNKNOWN_SERVICE, withinTargetFill } from "./colors.js";
import { svgEl, svgTitle } from "./svg.js";

const WIDTH = 1000;

function rings(geometry) {
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

export class StateMap {
  constructor(svg, { onIncident, describeIncident, describeUnit }) {
    this.svg = svg;
    this.onIncident = onIncident;
    this.describeIncident = describeIncident;
    this.describeUnit = describeUnit;
    this.districtPaths = new Map();
    this.view = null;
    this.home = null;
    this.layers = {
      districts: svgEl("g", { class: "districts" }),
      labels: svgEl("g", { class: "labels" }),
      units: svgEl("g", { class: "units" }),
      incidents: svgEl("g", { class: "incidents" }),
    };
    svg.append(...Object.values(this.layers));
    this.bindPanZoom();
  }

  /** Fit the projection to the districts and draw them. */
  setDistricts(geojson, focus = null) {
    let minLon = Infinity;
    let maxLon = -Infinity;
    let minLat = Infinity;
    let maxLat = -Infinity;
    for (const f of geojson.features) {
      for (const ring of rings(f.geometry)) {
        for (const [lon, lat] of ring) {
          minLon = Math.min(minLon, lon);
          maxLon = Math.max(maxLon, lon);
          minLat = Math.min(minLat, lat);
          maxLat = Math.max(maxLat, lat);
        }
      }
    }
    // Equirectangular with the mid-latitude's scale: true shape within a state's few degrees.
    const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
    this.scale = WIDTH / ((maxLon - minLon) * kx);
    this.kx = kx;
    this.origin = [minLon, maxLat];
    const height = (maxLat - minLat) * this.scale;
    this.full = { x: -10, y: -10, w: WIDTH + 20, h: height + 20 };

    this.layers.districts.replaceChildren();
    this.layers.labels.replaceChildren();
    this.districtPaths.clear();
    this.bounds = new Map();
    for (const f of geojson.features) {
      const name = f.properties.name;
      let d = "";
      let box = [Infinity, Infinity, -Infinity, -Infinity];
      for (const ring of rings(f.geometry)) {
        d += ring
          .map(([lon, lat], i) => {
            const [x, y] = this.project(lon, lat);
            box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)];
            return `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
          })
          .join("") + "Z";
      }
      const path = svgEl("path", { d, class: "district", "data-district": name, fill: withinTargetFill(null) });
      path.append(svgTitle(name));
      this.layers.districts.append(path);
      this.districtPaths.set(name, path);
      this.bounds.set(name, box);
      const hq = f.properties.hq_lat !== undefined ? this.project(f.properties.hq_lon, f.properties.hq_lat) : null;
      const [lx, ly] = hq || [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
      const label = svgEl("text", { x: lx.toFixed(1), y: (ly - 6).toFixed(1), class: "district-label" });
      label.textContent = name;
      this.layers.labels.append(label);
    }
    if (focus && this.bounds.has(focus)) {
      const [x0, y0, x1, y1] = this.bounds.get(focus);
      const pad = Math.max(x1 - x0, y1 - y0) * 0.15;
      this.home = { x: x0 - pad, y: y0 - pad, w: x1 - x0 + 2 * pad, h: y1 - y0 + 2 * pad };
      for (const [name, path] of this.districtPaths) path.classList.toggle("outside", name !== focus);
    } else {
      this.home = this.full;
    }
    this.setView({ ...this.home });
  }

  project(lon, lat) {
    return [(lon - this.origin[0]) * this.kx * this.scale, (this.origin[1] - lat) * this.scale];
  }

  /** Shade each district by its % within target; null shading when the role cannot read analytics. */
  setShading(pctByDistrict) {
    for (const [name, path] of this.districtPaths) {
      const pct = pctByDistrict ? pctByDistrict.get(name) : null;
      path.setAttribute("fill", withinTargetFill(pct ?? null));
      const title = path.querySelector("title");
      title.textContent = pct === null || pct === undefined ? name : `${name}: ${pct.toFixed(1)}%`;
      if (pct !== null && pct !== undefined) path.dataset.withinTargetPct = pct.toFixed(1);
      else delete path.dataset.withinTargetPct;
    }
  }

  /** Draw open incidents: fill by service, ring by risk; click opens the incident. */
  setIncidents(items) {
    const r = this.markerRadius();
    const nodes = items.map(({ incident, risk }) => {
      const [x, y] = this.project(incident.lon, incident.lat);
      const marker = svgEl("circle", {
        cx: x.toFixed(1),
        cy: y.toFixed(1),
        r: (r * (incident.priority === 1 ? 1.25 : 1)).toFixed(2),
        fill: SERVICE_COLORS[incident.category] || UNKNOWN_SERVICE,
        stroke: RISK_COLORS[risk],
        "stroke-width": (r * 0.45).toFixed(2),
        class: `incident risk-${risk}`,
        "data-incident-id": incident.id,
        "data-risk": risk,
        "data-priority": incident.priority,
        tabindex: 0,
        role: "button",
      });
      marker.append(svgTitle(this.describeIncident(incident)));
      marker.addEventListener("click", () => this.onIncident(incident.id));
      marker.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") this.onIncident(incident.id);
      });
      return marker;
    });
    // Most urgent on top: the caller passes them most urgent first, SVG paints later ones above.
    this.layers.incidents.replaceChildren(...nodes.reverse());
  }

  /** Draw units as small dots coloured by status. */
  setUnits(units) {
    const r = this.markerRadius() * 0.42;
    const nodes = units.map((u) => {
      const [x, y] = this.project(u.lon, u.lat);
      const dot = svgEl("circle", {
        cx: x.toFixed(1),
        cy: y.toFixed(1),
        r: r.toFixed(2),
        fill: UNIT_STATUS_COLORS[u.status] || "#adb5bd",
        class: `unit status-${u.status}${u.stale ? " stale" : ""}`,
        "data-unit-id": u.id,
        "data-status": u.status,
        "data-district": u.district,
      });
      dot.append(svgTitle(this.describeUnit(u)));
      return dot;
    });
    this.layers.units.replaceChildren(...nodes);
  }

  markerRadius() {
    // Markers keep roughly the same size on screen whatever the zoom.
    const zoom = this.full && this.view ? this.full.w / this.view.w : 1;
    return 11 / zoom;
  }

  setView(view) {
    this.view = view;
    this.svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
    const r = this.markerRadius();
    for (const c of this.layers.incidents.children) {
      c.setAttribute("r", (r * (c.dataset.priority === "1" ? 1.25 : 1)).toFixed(2));
      c.setAttribute("stroke-width", (r * 0.45).toFixed(2));
    }
    for (const c of this.layers.units.children) c.setAttribute("r", (r * 0.42).toFixed(2));
    this.svg.style.setProperty("--label-size", `${(14 * view.w) / WIDTH}px`);
    this.svg.classList.toggle("zoomed", view.w < this.full.w * 0.6);
  }

  zoom(factor, cx = null, cy = null) {
    if (!this.view) return;
    const v = this.view;
    const w = Math.min(this.full.w * 1.2, Math.max(this.full.w / 40, v.w / factor));
    const h = (v.h * w) / v.w;
    const px = cx ?? v.x + v.w / 2;
    const py = cy ?? v.y + v.h / 2;
    this.setView({ x: px - ((px - v.x) * w) / v.w, y: py - ((py - v.y) * h) / v.h, w, h });
  }

  reset() {
    if (this.home) this.setView({ ...this.home });
  }

  toMap(event) {
    const pt = this.svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    const p = pt.matrixTransform(this.svg.getScreenCTM().inverse());
    return [p.x, p.y];
  }

  bindPanZoom() {
    this.svg.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const [x, y] = this.toMap(e);
        this.zoom(e.deltaY < 0 ? 1.25 : 0.8, x, y);
      },
      { passive: false },
    );
    let drag = null;
    this.svg.addEventListener("pointerdown", (e) => {
      if (e.target.closest(".incident")) return;
      drag = { x: e.clientX, y: e.clientY, view: { ...this.view }, moved: false };
      this.svg.setPointerCapture(e.pointerId);
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const ctm = this.svg.getScreenCTM();
      const dx = (e.clientX - drag.x) / ctm.a;
      const dy = (e.clientY - drag.y) / ctm.d;
      if (Math.abs(dx) + Math.abs(dy) > 1) drag.moved = true;
      this.setView({ ...drag.view, x: drag.view.x - dx, y: drag.view.y - dy });
    });
    const end = () => {
      drag = null;
    };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
  }
}
