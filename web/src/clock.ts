// The server's clock, as seen from the page: offset = server `now` - Date.now() at the
// moment the answer arrived. Tests move the clock through the server (ZOOMCTL_FAKE_NOW).
import { useEffect, useState } from 'react';

export function serverOffsetMs(serverNowIso: string, receivedAtMs: number): number {
  const server = Date.parse(serverNowIso);
  return Number.isNaN(server) ? 0 : server - receivedAtMs;
}

/** The current server time in ms, re-rendering every `tickMs`. */
export function useServerNow(offsetMs: number, tickMs = 2000): number {
  const [now, setNow] = useState(() => Date.now() + offsetMs);
  useEffect(() => {
    setNow(Date.now() + offsetMs);
    const id = window.setInterval(() => setNow(Date.now() + offsetMs), tickMs);
    return () => window.clearInterval(id);
  }, [offsetMs, tickMs]);
  return now;
}

/** Calls `fn` now and every `ms` while the page is open. */
export function usePoll(fn: () => void, ms: number): void {
  useEffect(() => {
    const id = window.setInterval(fn, ms);
    return () => window.clearInterval(id);
  }, [fn, ms]);
}
