// US-009: the instructor's sessions, Start Session from 15 minutes before the start
// (and Start again for an hour after a class that was ended by mistake).
import { useServerNow } from '../clock';
import { formatCountdown, formatDateTime, formatTime } from '../format';
import { useI18n } from '../i18n';
import { ErrorView, type PageProps } from '../shell';
import { useMySessions } from '../sessions-data';
import type { Session } from '../api';
import { SessionCard } from './common';

type StartState = { enabled: true } | { enabled: false; reason: string };

/**
 * The 15-minute rule, evaluated here against the server's clock so the button opens
 * on time without waiting for the next poll. `can_start` from the server already
 * includes the time; only the other conditions (teaches it, has a Zoom meeting) are
 * taken from it when the server does not say my_role.
 */
export function startState(
  s: Session,
  nowMs: number,
  windowMs: number,
  t: ReturnType<typeof useI18n>['t'],
  lang: 'en' | 'ar',
): StartState {
  // A class ended by mistake: the server allows starting it again for a while after its end.
  if (s.status === 'COMPLETED') return s.can_start ? { enabled: true } : { enabled: false, reason: t('sessionOver') };
  if (s.status === 'CANCELLED') return { enabled: false, reason: t('sessionCancelled') };
  const opens = Date.parse(s.start_time) - windowMs;
  const mayStart =
    s.my_role !== undefined
      ? s.my_role === 'instructor' && s.meeting_number !== null && s.meeting_number !== ''
      : s.can_start || nowMs < opens;
  if (!mayStart) return { enabled: false, reason: t('startNotAllowed') };
  if (s.status === 'IN_PROGRESS' || nowMs >= opens) return { enabled: true };
  const left = opens - nowMs;
  return {
    enabled: false,
    reason:
      left <= 60 * 60 * 1000
        ? t('startOpensIn', { time: formatCountdown(left, lang) })
        : t('startOpensAt', { time: formatDateTime(new Date(opens).toISOString(), lang) }),
  };
}

export function InstructorSessions(_props: PageProps) {
  const { t, lang } = useI18n();
  const { sessions, offsetMs, startWindowMs, error, reload } = useMySessions(10_000);
  const now = useServerNow(offsetMs, 1000);

  if (error && !sessions) return <ErrorView error={error} onRetry={reload} />;
  return (
    <>
      <h1>{t('instructorTitle')}</h1>
      <p className="muted">{t('instructorIntro')}</p>
      <p className="muted small" data-testid="server-time">
        {t('serverTime', { time: formatTime(new Date(now).toISOString(), lang) })}
      </p>
      {error ? <ErrorView error={error} onRetry={reload} /> : null}
      {!sessions ? (
        <p role="status">{t('loading')}</p>
      ) : sessions.length === 0 ? (
        <p>{t('noSessions')}</p>
      ) : (
        <ul className="cards" aria-label={t('instructorTitle')}>
          {sessions.map((s) => {
            const st = startState(s, now, startWindowMs, t, lang);
            return (
              <SessionCard
                key={s.id}
                session={s}
                action={{
                  kind: 'start',
                  label: s.status === 'COMPLETED' ? t('startAgain') : t('startSession'),
                  ariaLabel: t('startSessionAria', { topic: s.topic }),
                  reason: st.enabled ? null : st.reason,
                  href: `/session/${String(s.id)}/join?role=host`,
                }}
              >
                <a
                  className="link"
                  href={`/instructor/sessions/${String(s.id)}/attendance`}
                  aria-label={t('attendanceLinkAria', { topic: s.topic })}
                  data-testid="attendance-link"
                >
                  {t('attendanceLink')}
                </a>
              </SessionCard>
            );
          })}
        </ul>
      )}
    </>
  );
}
