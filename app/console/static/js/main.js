// The console's entry point: sign-in, the views a role may see, language, and hash routing.

import { Api } from "./api.js";
import { AnalyticsView } from "./analytics.js";
import { forgetToken, sessionFrom, storeToken, storedToken, takeTokenFromFragment } from "./auth.js";
import { IncidentDetail } from "./detail.js";
import { preferredLanguage, setLanguage, t } from "./i18n.js";
import { LiveView } from "./live.js";

const $ = (id) => document.getElementById(id);
let session = null;
let live = null;
let analytics = null;
let detail = null;
let districtNames = null;

function toast(message, isError = false) {
  const el = $("toast");
  el.textContent = message;
  el.classList.toggle("error", isError);
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.hidden = true;
  }, 4000);
}

function showView(name) {
  for (const view of ["signin", "live", "analytics"]) $(`view-${view}`).hidden = view !== name;
  for (const link of document.querySelectorAll("#tabs a")) link.classList.toggle("active", link.dataset.view === name);
  document.body.dataset.view = name;
}

function signOut(messageKey = null) {
  forgetToken();
  if (live) live.stop();
  // A clean page: no state of the previous holder survives.
  const url = window.location.pathname + (messageKey ? `#signed-out=${messageKey}` : "");
  window.location.replace(url);
  window.location.reload();
}

function showSignIn(errorKey = null) {
  session = null;
  showView("signin");
  $("tabs").hidden = true;
  $("who").hidden = true;
  $("sign-out").hidden = true;
  $("feed-state").hidden = true;
  const error = $("signin-error");
  error.hidden = !errorKey;
  if (errorKey) error.textContent = t(errorKey);
  $("token-input").focus();
}

async function loadDistrictNames() {
  if (!districtNames) {
    const geo = await (await fetch("/console/geo/districts.geojson")).json();
    districtNames = geo.features.map((f) => f.properties.name).sort();
  }
  return districtNames;
}

function route() {
  if (!session) return;
  const wanted = window.location.hash.replace(/^#\/?/, "").split("/")[0] || "";
  let view = wanted === "analytics" ? "analytics" : "live";
  if (view === "live" && !session.can.live) view = "analytics";
  if (view === "analytics" && !session.can.analytics) view = "live";
  showView(view);
  if (view === "analytics") loadDistrictNames().then((names) => analytics.start(names));
  const incident = window.location.hash.match(/^#\/live\/incident\/(\d+)/);
  if (incident && detail) detail.open(Number(incident[1]));
}

function setFeedState(state) {
  const el = $("feed-state");
  el.hidden = false;
  el.dataset.state = state;
  el.textContent = t(`feed.${state}`);
}

async function signIn(token) {
  const candidate = sessionFrom(token);
  if (candidate.error) {
    showSignIn(candidate.error);
    return;
  }
  session = candidate;
  storeToken(session.token);
  const api = new Api(session.token, () => signOut("auth.rejected"));
  $("who").hidden = false;
  $("who").textContent = `${t(`role.${session.role}`)} · ${session.subject}${session.district ? ` · ${session.district}` : ` · ${t("who.state")}`}`;
  $("who").dataset.role = session.role;
  $("sign-out").hidden = false;
  const tabs = $("tabs");
  tabs.hidden = !(session.can.live && session.can.analytics);
  tabs.querySelector('[data-view="live"]').hidden = !session.can.live;
  tabs.querySelector('[data-view="analytics"]').hidden = !session.can.analytics;
  document.body.dataset.role = session.role;
  if (session.can.live) {
    live = new LiveView(api, session, {
      openIncident: (id) => detail.open(id),
      onFeedState: setFeedState,
    });
    detail = new IncidentDetail(api, session, {
      units: () => live.units,
      toast,
      onChanged: (id) => {
        live.pendingIncidents.add(id);
        live.scheduleIncidents();
      },
    });
  }
  if (session.can.analytics) analytics = new AnalyticsView(api, session, { toast });
  route();
  if (live) {
    live.start().catch((err) => toast(err.message, true));
  }
}

async function boot() {
  await setLanguage(preferredLanguage());
  $("lang").value = document.documentElement.lang;
  $("lang").addEventListener("change", async (e) => {
    await setLanguage(e.target.value);
    if (live) live.relabel();
    if (analytics) analytics.relabel();
    if (session) $("who").textContent = `${t(`role.${session.role}`)} · ${session.subject}${session.district ? ` · ${session.district}` : ` · ${t("who.state")}`}`;
    const feed = $("feed-state");
    if (!feed.hidden) feed.textContent = t(`feed.${feed.dataset.state}`);
  });
  $("signin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn($("token-input").value);
  });
  $("sign-out").addEventListener("click", () => signOut());
  window.addEventListener("hashchange", () => {
    const fresh = takeTokenFromFragment();
    if (fresh) {
      // A new token in the fragment replaces the session: start clean.
      storeToken(fresh);
      window.location.reload();
      return;
    }
    route();
  });
  const signedOut = window.location.hash.match(/^#signed-out=([\w.]+)/);
  const token = takeTokenFromFragment() || storedToken();
  if (token) await signIn(token);
  else showSignIn(signedOut ? signedOut[1] : null);
}

boot();
