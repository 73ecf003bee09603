// One palette for the map, the board and the charts.

export const SERVICE_COLORS = {
  police: "#1f5fbf",
  fire: "#d9480f",
  medical: "#2b8a3e",
  women: "#ae3ec9",
  child: "#e8a200",
};
export const UNKNOWN_SERVICE = "#6c757d";

export const RISK_COLORS = { breached: "#c92a2a", at_risk: "#f08c00", ok: "#ffffff", arrived: "#868e96" };

export const UNIT_STATUS_COLORS = {
  available: "#2f9e44",
  dispatched: "#1971c2",
  en_route: "#1971c2",
  on_scene: "#7048e8",
  transporting: "#0c8599",
  at_hospital: "#0c8599",
  out_of_service: "#adb5bd",
};

/** Fill for a district by its % within target (null: no arrivals in the period). */
export function withinTargetFill(pct) {
  if (pct === null || pct === undefined) return "#eef0f3";
  if (pct >= 90) return "#b7e4c7";
  if (pct >= 75) return "#d8f0a8";
  if (pct >= 60) return "#ffe8a3";
  if (pct >= 40) return "#ffc9a0";
  return "#ffa8a8";
}

/** A bar's colour by % within target, darker than the map's tints. */
export function withinTargetBar(pct) {
  if (pct >= 90) return "#2f9e44";
  if (pct >= 75) return "#74b816";
  if (pct >= 60) return "#f59f00";
  if (pct >= 40) return "#f76707";
  return "#e03131";
}

export const WITHIN_TARGET_STEPS = [
  [90, "≥ 90%"],
  [75, "75–90%"],
  [60, "60–75%"],
  [40, "40–60%"],
  [0, "< 40%"],
];
