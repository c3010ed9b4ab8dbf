// Dates, durations and numbers in the page language. Times are shown in the browser's zone.
import type { Lang } from './i18n';

function locale(lang: Lang): string {
  // Arabic with Western digits would also be defensible; the Arabic locale's own digits
  // are what Arabic-speaking learners expect in running text.
  return lang === 'ar' ? 'ar-EG' : 'en-GB';
}

export function formatDateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(lang), { timeStyle: 'short' }).format(d);
}

export function formatNumber(n: number, lang: Lang, maxFractionDigits = 1): string {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: maxFractionDigits }).format(n);
}

/** 3725 -> "1:02:05", 600 -> "0:10:00" (h:mm:ss, so minutes are never mistaken for hours). */
export function formatDuration(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const nf = new Intl.NumberFormat(locale(lang), { minimumIntegerDigits: 2, useGrouping: false });
  const nf1 = new Intl.NumberFormat(locale(lang), { useGrouping: false });
  return `${nf1.format(h)}:${nf.format(m)}:${nf.format(sec)}`;
}

/** A countdown like "12:04" (m:ss) or "1:12:04" for the time until something opens. */
export function formatCountdown(ms: number, lang: Lang): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s >= 3600) return formatDuration(s, lang);
  const nf = new Intl.NumberFormat(locale(lang), { minimumIntegerDigits: 2, useGrouping: false });
  const nf1 = new Intl.NumberFormat(locale(lang), { useGrouping: false });
  return `${nf1.format(Math.floor(s / 60))}:${nf.format(s % 60)}`;
}

/** 87.5 -> "87.5%" / "٨٧٫٥٪". */
export function formatPercent(percent: number, lang: Lang): string {
  return new Intl.NumberFormat(locale(lang), { style: 'percent', maximumFractionDigits: 1 }).format(percent / 100);
}
