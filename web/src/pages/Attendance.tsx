// US-017 / US-018: a session's attendance report, CSV export, and the manual
// present/absent override (reason required; who and when are shown).
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, api, pathId, type AttendanceReport, type PersonAttendance } from '../api';
import { formatDateTime, formatDuration, formatNumber, formatPercent } from '../format';
import { useI18n } from '../i18n';
import { ErrorView, type PageProps } from '../shell';

interface Pending {
  person: PersonAttendance;
  present: boolean;
}

function filenameFrom(disposition: string | null, fallback: string): string {
  const m = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition) : null;
  return m?.[1] ? decodeURIComponent(m[1]) : fallback;
}

export function Attendance(_props: PageProps) {
  const { t, lang } = useI18n();
  const id = useMemo(() => pathId('/instructor/sessions/'), []);
  const [report, setReport] = useState<AttendanceReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);

  const load = useCallback(() => {
    api
      .attendance(id)
      .then((r) => {
        setReport(r);
        setError(null);
      })
      .catch((e: unknown) => setError(e));
  }, [id]);
  useEffect(load, [load]);

  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const res = await api.attendanceCsv(id);
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filenameFrom(res.headers.get('Content-Disposition'), `attendance-session-${id}.csv`);
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  };

  if (error && !report) return <ErrorView error={error} onRetry={load} />;
  if (!report) return <p role="status">{t('loading')}</p>;

  const topic = report.topic ?? report.session?.topic ?? `#${id}`;
  const presentCount = report.present ?? report.present_count ?? 0;
  const valueText = (present: boolean) => (present ? t('present') : t('absent'));

  return (
    <>
      <a className="link" href="/instructor/sessions">
        {t('backToSessionsLink')}
      </a>
      <h1>{t('attendanceTitle', { topic })}</h1>
      <div className="summary">
        <div className="stat" data-testid="total-percent">
          <span className="stat-label">{t('totalPercent')}</span>
          <span className="stat-value">{formatPercent(report.attendance_percent, lang)}</span>
          <span className="muted small">
            {t('attendanceSummary', {
              present: formatNumber(presentCount, lang, 0),
              enrolled: formatNumber(report.enrolled, lang, 0),
            })}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">{t('meetingLength')}</span>
          <span className="stat-value">{formatDuration(report.meeting_seconds, lang)}</span>
          {report.threshold !== undefined ? (
            <span className="muted small">{t('threshold', { n: formatNumber(report.threshold, lang, 0) })}</span>
          ) : null}
        </div>
        <div className="stat stat-actions">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void exportCsv()}
            disabled={exporting}
            aria-label={t('exportCsvAria')}
            data-testid="export-csv"
          >
            {exporting ? t('exporting') : t('exportCsv')}
          </button>
        </div>
      </div>
      {exportError ? <ErrorView error={exportError} /> : null}
      {notice ? (
        <p className="notice" role="status" data-testid="notice">
          {notice}
        </p>
      ) : null}
      {report.people.length === 0 ? (
        <p>{t('noPeople')}</p>
      ) : (
        <div className="table-wrap">
          <table className="report" data-testid="attendance-table">
            <thead>
              <tr>
                <th scope="col">{t('colName')}</th>
                <th scope="col">{t('colKind')}</th>
                <th scope="col">{t('colJoin')}</th>
                <th scope="col">{t('colLeave')}</th>
                <th scope="col">{t('colTime')}</th>
                <th scope="col">{t('colPercent')}</th>
                <th scope="col">{t('colPresent')}</th>
                <th scope="col">{t('colOverride')}</th>
              </tr>
            </thead>
            <tbody>
              {report.people.map((p, i) => {
                const canOverride = p.kind === 'learner' && p.user_id !== null;
                const next = !p.present;
                return (
                  <tr
                    key={p.user_id !== null ? `u${String(p.user_id)}` : `g${String(i)}`}
                    data-user-id={p.user_id ?? ''}
                    data-email={p.email}
                    data-present={p.present ? '1' : '0'}
                  >
                    <th scope="row">
                      <div>{p.name || p.email}</div>
                      {p.email ? (
                        <div className="muted small" dir="ltr">
                          {p.email}
                        </div>
                      ) : null}
                    </th>
                    <td>{t(`kind_${p.kind}`)}</td>
                    <td>{p.first_join ? formatDateTime(p.first_join, lang) : t('notJoined')}</td>
                    <td>{formatDateTime(p.last_leave, lang)}</td>
                    <td>{formatDuration(p.duration_seconds, lang)}</td>
                    <td>{formatNumber(p.percent, lang)}</td>
                    <td>
                      <span className={p.present ? 'badge badge-present' : 'badge badge-absent'} data-testid="present">
                        {valueText(p.present)}
                      </span>
                      {p.override ? (
                        <div className="muted small">{t('computed', { value: valueText(p.computed_present) })}</div>
                      ) : null}
                    </td>
                    <td>
                      {canOverride ? (
                        <button
                          type="button"
                          className="btn btn-small"
                          aria-label={t('markAria', { name: p.name, value: valueText(next) })}
                          data-testid="override-toggle"
                          onClick={() => {
                            setNotice(null);
                            setPending({ person: p, present: next });
                          }}
                        >
                          {next ? t('markPresent') : t('markAbsent')}
                        </button>
                      ) : (
                        <span className="muted small">{t('overrideOnlyLearners')}</span>
                      )}
                      {p.override ? (
                        <div className="override-info small" data-testid="override-info">
                          {t('overrideBy', {
                            actor: p.override.actor,
                            value: valueText(p.override.present),
                            at: formatDateTime(p.override.at, lang),
                            reason: p.override.reason,
                          })}
                        </div>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {pending ? (
        <OverrideDialog
          pending={pending}
          sessionId={id}
          onClose={() => setPending(null)}
          onSaved={() => {
            setNotice(t('overrideSaved', { name: pending.person.name, value: valueText(pending.present) }));
            setPending(null);
            load();
          }}
        />
      ) : null}
    </>
  );
}

function OverrideDialog({
  pending,
  sessionId,
  onClose,
  onSaved,
}: {
  pending: Pending;
  sessionId: string;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const value = pending.present ? t('present') : t('absent');

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setProblem(t('reasonRequired'));
      return;
    }
    const userId = pending.person.user_id;
    if (userId === null) return;
    setSaving(true);
    setProblem(null);
    try {
      await api.override(sessionId, userId, pending.present, reason.trim());
      onSaved();
    } catch (err) {
      setProblem(err instanceof ApiError ? t('errorBody', { message: err.message }) : String(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="override-title"
      onCancel={onClose}
      data-testid="override-dialog"
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="override-title">{t('overrideDialogTitle', { name: pending.person.name, value })}</h2>
        <label htmlFor="override-reason">{t('reasonLabel')}</label>
        <textarea
          id="override-reason"
          required
          aria-required="true"
          aria-invalid={problem !== null}
          aria-describedby={problem ? 'override-problem' : undefined}
          rows={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          data-testid="override-reason"
        />
        {problem ? (
          <p id="override-problem" className="problem" role="alert">
            {problem}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={saving} data-testid="override-save">
            {t('save')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
