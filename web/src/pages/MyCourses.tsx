// US-011: the learner's upcoming sessions; Join Session only while IN_PROGRESS.
import { formatDateTime, formatNumber } from '../format';
import { useI18n } from '../i18n';
import { ErrorView, type PageProps } from '../shell';
import { rememberJoinClick, useMySessions } from '../sessions-data';
import type { Session } from '../api';
import { StatusBadge } from './common';

function joinReason(s: Session, t: ReturnType<typeof useI18n>['t']): string | null {
  if (s.status === 'IN_PROGRESS') return s.can_join ? null : t('joinNotAllowed');
  if (s.status === 'COMPLETED') return t('joinEnded');
  if (s.status === 'CANCELLED') return t('joinCancelled');
  return t('joinWaitStart');
}

export function MyCourses(_props: PageProps) {
  const { t, lang } = useI18n();
  const { sessions, error, reload } = useMySessions(5_000);

  if (error && !sessions) return <ErrorView error={error} onRetry={reload} />;
  const upcoming = (sessions ?? []).filter((s) => s.status === 'SCHEDULED' || s.status === 'IN_PROGRESS');
  return (
    <>
      <h1>{t('myCoursesTitle')}</h1>
      <p className="muted">{t('myCoursesIntro')}</p>
      {error ? <ErrorView error={error} onRetry={reload} /> : null}
      {!sessions ? (
        <p role="status">{t('loading')}</p>
      ) : upcoming.length === 0 ? (
        <p>{t('noUpcoming')}</p>
      ) : (
        <ul className="cards" aria-label={t('myCoursesTitle')}>
          {upcoming.map((s) => {
            const reason = joinReason(s, t);
            const reasonId = `join-reason-${String(s.id)}`;
            return (
              <li key={s.id} className="card" data-session-id={s.id} data-status={s.status}>
                <div className="card-main">
                  <h2 className="card-title">{s.topic}</h2>
                  <StatusBadge status={s.status} />
                  <dl className="facts">
                    <dt>{t('colStart')}</dt>
                    <dd>{formatDateTime(s.start_time, lang)}</dd>
                    <dt>{t('colDuration')}</dt>
                    <dd>{t('minutes', { n: formatNumber(s.duration, lang, 0) })}</dd>
                    {s.instructor_name ? (
                      <>
                        <dt>{t('colInstructor')}</dt>
                        <dd>{s.instructor_name}</dd>
                      </>
                    ) : null}
                    {s.cohort ? (
                      <>
                        <dt>{t('colCohort')}</dt>
                        <dd>{s.cohort}</dd>
                      </>
                    ) : null}
                  </dl>
                </div>
                <div className="card-actions">
                  <button
                    type="button"
                    className="btn btn-primary"
                    data-testid="join-session"
                    disabled={reason !== null}
                    aria-label={t('joinSessionAria', { topic: s.topic })}
                    aria-describedby={reason === null ? undefined : reasonId}
                    onClick={() => {
                      rememberJoinClick(s.id);
                      window.location.assign(`/session/${String(s.id)}/join`);
                    }}
                  >
                    {t('joinSession')}
                  </button>
                  {reason === null ? null : (
                    <span id={reasonId} className="reason" data-testid="join-reason">
                      {reason}
                    </span>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
