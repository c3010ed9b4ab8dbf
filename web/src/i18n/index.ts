// Page language: ?lang= on the link wins, then the user's /api/me lang, then English.
import { createContext, useContext } from 'react';
import { en, type MessageKey, type Messages } from './en';
import { ar } from './ar';

export type Lang = 'en' | 'ar';

const LANG_KEY = 'zoomctl.lang';

export const catalogs: Record<Lang, Messages> = { en, ar };

export function isLang(v: unknown): v is Lang {
  return v === 'en' || v === 'ar';
}

/** The language the link asked for (?lang=), remembered for this tab. */
export function linkLang(): Lang | null {
  const stored = sessionStorage.getItem(LANG_KEY);
  return isLang(stored) ? stored : null;
}

export function rememberLinkLang(lang: string | null): void {
  if (isLang(lang)) sessionStorage.setItem(LANG_KEY, lang);
}

export function chooseLang(userLang: string | null | undefined): Lang {
  return linkLang() ?? (isLang(userLang) ? userLang : 'en');
}

/** Sets <html lang dir>. */
export function applyDocumentLang(lang: Lang): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const cat = catalogs[lang];
  return (key, vars) => {
    let s = cat[key];
    if (vars) {
      for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
    }
    return s;
  };
}

export interface LangContextValue {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
}

export const LangContext = createContext<LangContextValue>({
  lang: 'en',
  t: translator('en'),
  setLang: () => undefined,
});

export function useI18n(): LangContextValue {
  return useContext(LangContext);
}

export type { MessageKey };
