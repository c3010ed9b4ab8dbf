// The daemon's JSON API, as the pages use it. Every call carries the access-link token.
import { accessToken } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Role = 'instructor' | 'learner' | 'coordinator' | 'admin';
export type SessionStatus = 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';

export interface Me {
  id: number;
  name: string;
  email: string;
  /** instructor, learner, coordinator or admin (see Role). */
  role: string;
  lang: string | null;
}

export interface Session {
  id: number;
  topic: string;
  cohort: string | null;
  instructor_name: string | null;
  start_time: string;
  duration: number;
  status: SessionStatus;
  meeting_number: string | number | null;
  can_start: boolean;
  can_join: boolean;
  /** "instructor" when the viewer teaches it, else "learner". */
  my_role?: 'instructor' | 'learner';
}

export interface SessionList {
  now: string;
  /** How long before the start an instructor may start (15). */
  start_window_minutes?: number;
  sessions: Session[];
}

export interface SignatureResponse {
  signature: string;
  sdkKey: string;
  expiresAt: string;
  meetingNumber: string | number;
  role: 0 | 1;
  userName: string;
  userEmail: string;
  customerKey: string;
  password: string;
  zak?: string;
}

export interface OverrideInfo {
  present: boolean;
  reason: string;
  actor: string;
  at: string;
}

export interface PersonAttendance {
  user_id: number | null;
  email: string;
  name: string;
  kind: 'learner' | 'guest' | 'instructor';
  first_join: string | null;
  last_leave: string | null;
  duration_seconds: number;
  percent: number;
  computed_present: boolean;
  present: boolean;
  override: OverrideInfo | null;
}

/** GET /api/sessions/{id}/attendance, as core/services/attendance_service to_json writes it. */
export interface AttendanceReport {
  session_id?: number;
  topic?: string;
  status?: string;
  meeting_start?: string | null;
  meeting_end?: string | null;
  meeting_ended?: boolean;
  session?: { id: number; topic: string; start_time?: string; status?: string };
  meeting_seconds: number;
  threshold?: number;
  enrolled: number;
  present?: number;
  present_count?: number;
  guests?: number;
  attendance_percent: number;
  people: PersonAttendance[];
}

function errorMessage(body: unknown, fallback: string): string {
  if (body && typeof body === 'object' && 'error' in body) {
    const e: unknown = body.error;
    if (typeof e === 'string') return e;
  }
  return fallback;
}

/** Fetches `path` with the bearer token; throws ApiError on a non-2xx answer. */
export async function apiRequest(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = accessToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (!res.ok) {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, errorMessage(body, `HTTP ${res.status}`));
  }
  return res;
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await apiRequest(path, init);
  return (await res.json()) as T;
}

export const api = {
  me: () => apiJson<Me>('/api/me'),
  mySessions: () => apiJson<SessionList>('/api/me/sessions'),
  session: (id: string) => apiJson<Session>(`/api/sessions/${encodeURIComponent(id)}`),
  signature: (sessionId: string, role: 0 | 1) =>
    apiJson<SignatureResponse>('/api/signature', {
      method: 'POST',
      body: JSON.stringify({ sessionId: Number(sessionId), role }),
    }),
  attendance: (id: string) => apiJson<AttendanceReport>(`/api/sessions/${encodeURIComponent(id)}/attendance`),
  attendanceCsv: (id: string) => apiRequest(`/api/sessions/${encodeURIComponent(id)}/attendance.csv`),
  override: (id: string, userId: number, present: boolean, reason: string) =>
    apiJson<unknown>(`/api/sessions/${encodeURIComponent(id)}/attendance/${String(userId)}`, {
      method: 'POST',
      body: JSON.stringify({ present, reason }),
    }),
};

/** The path segment after `prefix` ("/session/12/join" with "/session/" -> "12"). */
export function pathId(prefix: string): string {
  const rest = window.location.pathname.startsWith(prefix) ? window.location.pathname.slice(prefix.length) : '';
  const id = rest.split('/')[0] ?? '';
  if (/^\d+$/.test(id)) return id;
  // Also accept ?id= so the built html can be opened directly during development.
  return new URLSearchParams(window.location.search).get('id') ?? '';
}
