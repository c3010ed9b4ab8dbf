import type { ReactNode } from 'react';
import type { Session, SessionStatus } from '../api';
import { formatDateTime, formatNumber } from '../format';
import { useI18n } from '../i18n';
import { rememberJoinClick } from '../sessions-data';

export function StatusBadge({ status }: { status: SessionStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-testid="status">
      {t(`status_${status}`)}
    </span>
  );
}

/** The card's button: Start Session (instructors) or Join Session (learners). */
export interface SessionAction {
  /** Names the test ids and the reason's id: `start-session`, `start-reason`, `start-reason-{id}`. */
  kind: 'start' | 'join';
  label: string;
  ariaLabel: string;
  /** Why the button is disabled; null when it is enabled. */
  reason: string | null;
  /** Where the click goes (the join page), after the click time is remembered. */
  href: string;
}

/** One session in the instructor's and the learner's lists: facts, the action, then `children`. */
export function SessionCard({
  session: s,
  showInstructor = false,
  action,
  children,
}: {
  session: Session;
  showInstructor?: boolean;
  action: SessionAction;
  children?: ReactNode;
}) {
  const { t, lang } = useI18n();
  const reasonId = `${action.kind}-reason-${String(s.id)}`;
  return (
    <li className="card" data-session-id={s.id} data-status={s.status}>
      <div className="card-main">
        <h2 className="card-title">{s.topic}</h2>
        <StatusBadge status={s.status} />
        <dl className="facts">
          <dt>{t('colStart')}</dt>
          <dd>{formatDateTime(s.start_time, lang)}</dd>
          <dt>{t('colDuration')}</dt>
          <dd>{t('minutes', { n: formatNumber(s.duration, lang, 0) })}</dd>
          {showInstructor && s.instructor_name ? (
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
          data-testid={`${action.kind}-session`}
          disabled={action.reason !== null}
          aria-label={action.ariaLabel}
          aria-describedby={action.reason === null ? undefined : reasonId}
          onClick={() => {
            rememberJoinClick(s.id);
            window.location.assign(action.href);
          }}
        >
          {action.label}
        </button>
        {action.reason === null ? null : (
          <span id={reasonId} className="reason" data-testid={`${action.kind}-reason`}>
            {action.reason}
          </span>
        )}
        {children}
      </div>
    </li>
  );
}
