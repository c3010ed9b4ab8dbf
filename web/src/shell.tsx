// What every page shares: the token capture, /api/me, the page language and direction,
// the header, and the error views for 401 (link expired) and 403 (not allowed).
import { StrictMode, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, api, type Me } from './api';
import { captureLinkParams } from './auth';
import {
  LangContext,
  applyDocumentLang,
  chooseLang,
  rememberLinkLang,
  translator,
  useI18n,
  type Lang,
  type LangContextValue,
} from './i18n';
import './styles.css';

export function ErrorView({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  let title: string;
  let body: string;
  let kind: string;
  if (error instanceof ApiError && error.status === 401) {
    kind = 'expired';
    title = t('linkExpiredTitle');
    body = t('linkExpiredBody');
  } else if (error instanceof ApiError && error.status === 403) {
    kind = 'forbidden';
    title = t('forbiddenTitle');
    body = t('forbiddenBody');
  } else if (error instanceof ApiError && error.status === 404) {
    kind = 'not-found';
    title = t('notFoundTitle');
    body = t('notFoundBody');
  } else if (error instanceof ApiError && error.status === 0) {
    kind = 'network';
    title = t('errorTitle');
    body = t('networkError');
  } else {
    kind = 'error';
    title = t('errorTitle');
    body = t('errorBody', { message: error instanceof Error ? error.message : String(error) });
  }
  const retryable = !(error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404));
  return (
    <section className="error-view" role="alert" data-error={kind}>
      <h1>{title}</h1>
      <p>{body}</p>
      {onRetry && retryable ? (
        <button type="button" className="btn" onClick={onRetry}>
          {t('retry')}
        </button>
      ) : null}
    </section>
  );
}

export interface PageProps {
  me: Me;
}

function Shell({ page: Page, wide }: { page: (p: PageProps) => ReactNode; wide: boolean }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [override, setOverride] = useState<Lang | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    api
      .me()
      .then((m) => {
        if (live) setMe(m);
      })
      .catch((e: unknown) => {
        if (live) setError(e);
      });
    return () => {
      live = false;
    };
  }, [attempt]);

  const lang: Lang = override ?? chooseLang(me?.lang);
  useEffect(() => applyDocumentLang(lang), [lang]);

  const setLang = useCallback((l: Lang) => {
    rememberLinkLang(l);
    setOverride(l);
  }, []);
  const ctx: LangContextValue = useMemo(() => ({ lang, t: translator(lang), setLang }), [lang, setLang]);
  const t = ctx.t;
  const other: Lang = lang === 'ar' ? 'en' : 'ar';

  return (
    <LangContext.Provider value={ctx}>
      <header className="topbar">
        <span className="brand">{t('appName')}</span>
        <span className="spacer" />
        {me ? <span className="who">{t('signedInAs', { name: me.name })}</span> : null}
        <button
          type="button"
          className="btn btn-quiet"
          lang={other}
          aria-label={`${t('language')}: ${other === 'ar' ? t('switchToArabic') : t('switchToEnglish')}`}
          onClick={() => setLang(other)}
          data-testid="lang-toggle"
        >
          {other === 'ar' ? t('switchToArabic') : t('switchToEnglish')}
        </button>
      </header>
      <main className={wide ? 'page page-wide' : 'page'}>
        {error ? (
          <ErrorView error={error} onRetry={() => setAttempt((a) => a + 1)} />
        ) : me ? (
          <Page me={me} />
        ) : (
          <p className="muted" role="status">
            {t('loading')}
          </p>
        )}
      </main>
    </LangContext.Provider>
  );
}

/** Renders `page` into #root once the token is captured and /api/me has answered. */
export function mountPage(page: (p: PageProps) => ReactNode, opts: { wide?: boolean } = {}): void {
  captureLinkParams();
  applyDocumentLang(chooseLang(null));
  const el = document.getElementById('root');
  if (!el) throw new Error('#root missing');
  createRoot(el).render(
    <StrictMode>
      <Shell page={page} wide={opts.wide ?? false} />
    </StrictMode>,
  );
}
