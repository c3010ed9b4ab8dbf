// US-011: the learner's upcoming sessions; Join Session only while IN_PROGRESS.
import { useI18n } from '../i18n';
import { ErrorView, type PageProps } from '../shell';
import { useMySessions } from '../sessions-data';
import type { Session } from '../api';
import { SessionCard } from './common';

function joinReason(s: Session, t: ReturnType<typeof useI18n>['t']): string | null {
  if (s.status === 'IN_PROGRESS') return s.can_join ? null : t('joinNotAllowed');
  if (s.status === 'COMPLETED') return t('joinEnded');
  if (s.status === 'CANCELLED') return t('joinCancelled');
  return t('joinWaitStart');
}

export function MyCourses(_props: PageProps) {
  const { t } = useI18n();
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
          {upcoming.map((s) => (
            <SessionCard
              key={s.id}
              session={s}
              showInstructor
              action={{
                kind: 'join',
                label: t('joinSession'),
                ariaLabel: t('joinSessionAria', { topic: s.topic }),
                reason: joinReason(s, t),
                href: `/session/${String(s.id)}/join`,
              }}
            />
          ))}
        </ul>
      )}
    </>
  );
}
