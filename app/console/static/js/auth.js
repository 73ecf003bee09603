// The signed-in session: the bearer token, and what its (unverified) claims say about the holder.
// The server verifies every request; the claims here only decide what the console shows.

const KEY = "dial112.token";

/** Decode a JWT's payload without verifying it (the server does that); null if it is not a JWT. */
export function decodeClaims(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === "object" && claims !== null ? claims : null;
  } catch {
    return null;
  }
}

/** What a role may see and do in the console (the API enforces the same rules). */
export function abilities(role) {
  return {
    live: ["operator", "supervisor", "admin"].includes(role),
    act: ["operator", "admin"].includes(role),
    analytics: ["supervisor", "analyst", "admin"].includes(role),
  };
}

/** A session from a token, or an error key explaining why the token cannot be used. */
export function sessionFrom(token, nowMs = Date.now()) {
  const trimmed = (token || "").trim().replace(/^Bearer\s+/i, "");
  const claims = decodeClaims(trimmed);
  if (!claims || typeof claims.role !== "string") return { error: "auth.not_a_token" };
  if (typeof claims.exp === "number" && claims.exp * 1000 <= nowMs) return { error: "auth.expired" };
  const can = abilities(claims.role);
  if (!can.live && !can.analytics) return { error: "auth.role_not_for_console" };
  return {
    token: trimmed,
    role: claims.role,
    subject: String(claims.sub || claims.role),
    district: typeof claims.district === "string" && claims.district ? claims.district : null,
    expiresAt: typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null,
    can,
  };
}

/** The token handed in the URL fragment (/console#token=JWT), removed from the address bar at once. */
export function takeTokenFromFragment() {
  const hash = window.location.hash.replace(/^#/, "");
  const params = new URLSearchParams(hash);
  const token = params.get("token");
  if (!token) return null;
  // The fragment never reaches the server, but it stays in history and screenshots: drop it.
  history.replaceState(null, "", window.location.pathname + window.location.search + "#/live");
  return token;
}

export function storeToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function storedToken() {
  return sessionStorage.getItem(KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}
