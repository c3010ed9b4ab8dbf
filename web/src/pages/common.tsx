import type { SessionStatus } from '../api';
import { useI18n } from '../i18n';

export function StatusBadge({ status }: { status: SessionStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-testid="status">
      {t(`status_${status}`)}
    </span>
  );
}
