// Labels from a translation file per language (i18n/en.json, i18n/hi.json); English fills any gap.

const LANG_KEY = "dial112.lang";
let strings = {};
let fallback = {};
let current = "en";

async function load(lang) {
  const response = await fetch(`/console/static/i18n/${lang}.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`no translation file for ${lang}`);
  return response.json();
}

/** Load a language (and English beneath it) and relabel the page. */
export async function setLanguage(lang) {
  if (!Object.keys(fallback).length) fallback = await load("en");
  strings = lang === "en" ? fallback : await load(lang).catch(() => fallback);
  current = strings === fallback ? "en" : lang;
  localStorage.setItem(LANG_KEY, current);
  document.documentElement.lang = current;
  applyLabels(document);
  return current;
}

export function preferredLanguage() {
  const stored = localStorage.getItem(LANG_KEY);
  if (stored) return stored;
  return (navigator.language || "").toLowerCase().startsWith("hi") ? "hi" : "en";
}

export function language() {
  return current;
}

/** The label for a key, with {name} placeholders filled in; the key itself when nobody translated it. */
export function t(key, vars = {}) {
  const template = strings[key] ?? fallback[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Relabel every element carrying data-i18n (its text) or data-i18n-title (its title). */
export function applyLabels(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

/** A service name in the current language. */
export function serviceName(service) {
  return service ? t(`service.${service}`) : t("service.unknown");
}

/** Format a number the way the current language writes it (Indian digit grouping). */
export function number(value, digits = 0) {
  return new Intl.NumberFormat(current === "hi" ? "hi-IN" : "en-IN", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  }).format(value);
}
