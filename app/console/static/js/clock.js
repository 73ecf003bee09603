// Time on the console: response clocks count from the call's received_at by the browser's clock, and
// analytics periods are calendar periods in India Standard Time, as the service computes them.

export const IST = "Asia/Kolkata";

/** "mm:ss" (or "h:mm:ss") of a non-negative number of seconds. */
export function clockText(seconds) {
  const s = Math.floor(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** Minutes with one decimal, from seconds. */
export function minutes(seconds) {
  return seconds === null || seconds === undefined ? null : seconds / 60;
}

/** The IST calendar date (YYYY-MM-DD) of an instant. */
export function istDate(instant) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: IST, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    instant,
  );
}

/** Time of day in IST for display (HH:MM). */
export function istTime(instant) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: IST, hour: "2-digit", minute: "2-digit" }).format(instant);
}

function ymd(y, m, d) {
  // Month arithmetic on plain numbers: Date.UTC normalises month overflow/underflow.
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.toISOString().slice(0, 10);
}

/** [from, to] dates (inclusive, IST) of a named period relative to an instant. */
export function periodRange(name, instant) {
  const [y, m, d] = istDate(instant).split("-").map(Number);
  const today = ymd(y, m, d);
  switch (name) {
    case "last_month":
      return [ymd(y, m - 1, 1), ymd(y, m, 0)];
    case "last_3_months":
      return [ymd(y, m - 2, 1), today];
    case "last_12_months":
      return [ymd(y, m - 11, 1), today];
    default:
      return [ymd(y, m, 1), today];
  }
}
