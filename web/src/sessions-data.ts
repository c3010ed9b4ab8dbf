// Loading /api/me/sessions with polling, and the clock offset it implies.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Session } from './api';
import { serverOffsetMs, usePoll } from './clock';

export interface SessionsState {
  sessions: Session[] | null;
  offsetMs: number;
  startWindowMs: number;
  error: unknown;
  reload: () => void;
}

export function useMySessions(pollMs: number): SessionsState {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [offsetMs, setOffsetMs] = useState(0);
  const [startWindowMs, setStartWindowMs] = useState(15 * 60_000);
  const [error, setError] = useState<unknown>(null);
  const inFlight = useRef(false);

  const load = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    api
      .mySessions()
      .then((r) => {
        setOffsetMs(serverOffsetMs(r.now, Date.now()));
        if (typeof r.start_window_minutes === 'number') setStartWindowMs(r.start_window_minutes * 60_000);
        setSessions(r.sessions);
        setError(null);
      })
      .catch((e: unknown) => setError(e))
      .finally(() => {
        inFlight.current = false;
      });
  }, []);

  useEffect(load, [load]);
  usePoll(load, pollMs);
  return { sessions, offsetMs, startWindowMs, error, reload: load };
}

const CLICK_KEY = 'zoomctl.joinClick';

/** Remembers when the user clicked Start/Join, so the join page can time click -> join call. */
export function rememberJoinClick(sessionId: number): void {
  sessionStorage.setItem(CLICK_KEY, JSON.stringify({ sessionId, at: Date.now() }));
}

/** The click time for `sessionId` (consumed), if the user got here by clicking. */
export function takeJoinClick(sessionId: string): number | null {
  const raw = sessionStorage.getItem(CLICK_KEY);
  sessionStorage.removeItem(CLICK_KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { sessionId?: unknown; at?: unknown };
    if (String(v.sessionId) === sessionId && typeof v.at === 'number' && Date.now() - v.at < 60_000) return v.at;
  } catch {
    /* ignore */
  }
  return null;
}
