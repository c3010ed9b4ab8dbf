// /session/{id}/join[?role=host]: the embedded meeting for one session.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, pathId, type Session } from '../api';
import { formatDateTime } from '../format';
import { useI18n } from '../i18n';
import { ErrorView, type PageProps } from '../shell';
import { takeJoinClick } from '../sessions-data';
import { ZoomMeetingEmbed } from '../zoom/ZoomMeetingEmbed';
import { StatusBadge } from './common';

export function Join({ me }: PageProps) {
  const { t, lang } = useI18n();
  const id = useMemo(() => pathId('/session/'), []);
  const role: 0 | 1 = useMemo(() => (new URLSearchParams(window.location.search).get('role') === 'host' ? 1 : 0), []);
  const startedAt = useMemo(() => {
    const click = takeJoinClick(id);
    return click !== null
      ? { at: click, from: 'click' as const }
      : { at: performance.timeOrigin, from: 'page-load' as const };
  }, [id]);
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api
      .session(id)
      .then(setSession)
      .catch((e: unknown) => setError(e));
  }, [id]);

  const fetchJoin = useCallback(() => api.signature(id, role), [id, role]);

  if (error) return <ErrorView error={error} />;
  const back = me.role === 'instructor' ? '/instructor/sessions' : '/my-courses';
  return (
    <div className="join-page">
      <div className="join-head">
        <a className="link" href={back}>
          {me.role === 'instructor' ? t('backToSessions') : t('backToCourses')}
        </a>
        <h1>{session ? session.topic : t('joinTitle')}</h1>
        {session ? (
          <>
            <StatusBadge status={session.status} />
            <span className="muted">{formatDateTime(session.start_time, lang)}</span>
          </>
        ) : null}
        {role === 1 && me.role === 'instructor' ? <span className="muted">{t('joinAsHost')}</span> : null}
      </div>
      {/* Joining starts with the page; the session details above are only for show. */}
      <ZoomMeetingEmbed role={role} fetchJoin={fetchJoin} startedAt={startedAt} />
    </div>
  );
}
