// A tiny stand-in for zoomctld's page API, for fast page development and for running the
// browser tests when no zoomctld binary is given. It implements the contract the pages use
// (GET /api/me, /api/me/sessions, /api/sessions/{id}, POST /api/signature,
// GET /api/sessions/{id}/attendance[.csv], POST /api/sessions/{id}/attendance/{user_id})
// and serves the built pages like the daemon does. Test hooks live under /__mock/.
//
//   node tests/web/mock-server.mjs [--port 3000] [--dist web/dist]
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
};

export const BASE_NOW = '2026-11-25T14:00:00Z';
const min = (n) => new Date(Date.parse(BASE_NOW) + n * 60_000).toISOString().replace('.000Z', 'Z');

export function initialState() {
  const users = [
    { id: 1, name: 'Hala Haddad', email: 'hala@example.org', role: 'instructor', lang: null, cohort: null },
    { id: 2, name: 'Omar Nasser', email: 'omar@example.org', role: 'learner', lang: 'ar', cohort: 'A' },
    { id: 3, name: 'Lina Saleh', email: 'lina@example.org', role: 'learner', lang: 'en', cohort: 'A' },
    { id: 4, name: 'Karim Aziz', email: 'karim@example.org', role: 'learner', lang: null, cohort: 'B' },
    { id: 5, name: 'Rami Other', email: 'rami@example.org', role: 'instructor', lang: null, cohort: null },
  ];
  const sessions = [
    { id: 11, topic: 'Data Analysis 101', cohort: 'A', instructor_id: 1, start_time: min(10), duration: 60, status: 'SCHEDULED', meeting_number: 81000000011 },
    { id: 12, topic: 'Statistics II', cohort: 'A', instructor_id: 1, start_time: min(20), duration: 90, status: 'SCHEDULED', meeting_number: 81000000012 },
    { id: 13, topic: 'Python Basics', cohort: 'A', instructor_id: 1, start_time: min(-70), duration: 60, status: 'COMPLETED', meeting_number: 81000000013, actual_start: min(-69), actual_end: min(-10) },
    { id: 14, topic: 'Cohort B Workshop', cohort: 'B', instructor_id: 5, start_time: min(-5), duration: 60, status: 'IN_PROGRESS', meeting_number: 81000000014 },
  ];
  const intervals = {
    13: [
      { user_id: 2, join: min(-69), leave: min(-12) },
      { user_id: 3, join: min(-50), leave: min(-40) },
      { user_id: 1, join: min(-69), leave: min(-10) },
      { user_id: null, name: 'Guest Phone', email: '', join: min(-60), leave: min(-30) },
    ],
  };
  return { now: BASE_NOW, users, sessions, intervals, overrides: [], audit: [], signatures: [] };
}

function tokenUser(state, req) {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(h);
  if (!m) return null;
  const tm = /^tok-(\d+)$/.exec(m[1]);
  if (!tm) return null;
  return state.users.find((u) => u.id === Number(tm[1])) ?? null;
}

function sessionJson(state, s, user) {
  const instructor = state.users.find((u) => u.id === s.instructor_id);
  const isInstructor = user.id === s.instructor_id;
  const isMember = user.cohort === s.cohort;
  return {
    id: s.id,
    topic: s.topic,
    cohort: s.cohort,
    instructor_name: instructor?.name ?? null,
    start_time: s.start_time,
    duration: s.duration,
    status: s.status,
    meeting_number: String(s.meeting_number),
    my_role: isInstructor ? 'instructor' : 'learner',
    can_start:
      isInstructor &&
      (s.status === 'SCHEDULED' || s.status === 'IN_PROGRESS' || restartable(state, s)) &&
      Date.parse(state.now) >= Date.parse(s.start_time) - 15 * 60_000,
    can_join: isMember && s.status === 'IN_PROGRESS',
  };
}

/** As zoomctld: a class ended by mistake may be started again until an hour after it ended or was due to end. */
function restartable(state, s) {
  if (s.status !== 'COMPLETED') return false;
  const due = Date.parse(s.start_time) + s.duration * 60_000;
  const ended = s.actual_end ? Math.max(due, Date.parse(s.actual_end)) : due;
  return Date.parse(state.now) < ended + 60 * 60_000;
}

function mayView(user, s) {
  return user.id === s.instructor_id || (user.role === 'learner' && user.cohort === s.cohort);
}

function report(state, s) {
  const start = Date.parse(s.actual_start ?? s.start_time);
  const end = Date.parse(s.actual_end ?? state.now);
  const meetingSeconds = Math.max(0, Math.round((end - start) / 1000));
  const people = [];
  const enrolled = state.users.filter((u) => u.role === 'learner' && u.cohort === s.cohort);
  const ivs = state.intervals[s.id] ?? [];
  const row = (u, kind, list, name, email) => {
    const dur = list.reduce((a, i) => a + (Date.parse(i.leave) - Date.parse(i.join)) / 1000, 0);
    const percent = meetingSeconds ? Math.round((dur / meetingSeconds) * 10000) / 100 : 0;
    const computed = percent >= 75;
    const ov = u ? [...state.overrides].reverse().find((o) => o.session_id === s.id && o.user_id === u.id) : null;
    return {
      user_id: u ? u.id : null,
      email: u ? u.email : email,
      name: u ? u.name : name,
      kind,
      first_join: list[0]?.join ?? null,
      last_leave: list.at(-1)?.leave ?? null,
      duration_seconds: Math.round(dur),
      percent,
      cycles: list.length,
      computed_present: computed,
      override: ov ? { present: ov.present, reason: ov.reason, actor: ov.actor, at: ov.at } : null,
      present: ov ? ov.present : computed,
    };
  };
  for (const u of enrolled) people.push(row(u, 'learner', ivs.filter((i) => i.user_id === u.id)));
  const inst = state.users.find((u) => u.id === s.instructor_id);
  const instIvs = ivs.filter((i) => i.user_id === inst.id);
  if (instIvs.length) people.push(row(inst, 'instructor', instIvs));
  for (const g of ivs.filter((i) => i.user_id === null)) people.push(row(null, 'guest', [g], g.name, g.email));
  const present = people.filter((p) => p.kind === 'learner' && p.present).length;
  return {
    session_id: s.id,
    topic: s.topic,
    status: s.status,
    meeting_start: s.actual_start ?? s.start_time,
    meeting_end: s.actual_end ?? null,
    meeting_ended: Boolean(s.actual_end),
    meeting_seconds: meetingSeconds,
    threshold: 75,
    enrolled: enrolled.length,
    present,
    guests: people.filter((p) => p.kind !== 'learner').length,
    attendance_percent: enrolled.length ? Math.round((present / enrolled.length) * 10000) / 100 : 0,
    people,
  };
}

function csv(rep) {
  const q = (v) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@]/.test(s)) s = "'" + s;
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = ['name,email,kind,first_join,last_leave,duration_seconds,percent,present,override_reason'];
  for (const p of rep.people) {
    lines.push([p.name, p.email, p.kind, p.first_join, p.last_leave, p.duration_seconds, p.percent, p.present ? 'yes' : 'no', p.override?.reason ?? ''].map(q).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  return JSON.parse(text);
}

export function createMockServer({ distDir, state = initialState(), log = false } = {}) {
  const dist = resolve(distDir);
  const send = (res, status, body, headers = {}) => {
    const isJson = typeof body !== 'string' && !Buffer.isBuffer(body);
    res.writeHead(status, { 'Content-Type': isJson ? 'application/json' : 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    res.end(isJson ? JSON.stringify(body) : body);
  };
  const sendFile = async (res, file) => {
    const p = normalize(join(dist, file));
    if (!p.startsWith(dist)) return send(res, 404, { error: 'not found' });
    try {
      const st = await stat(p);
      if (!st.isFile()) return send(res, 404, { error: 'not found' });
      res.writeHead(200, { 'Content-Type': TYPES[extname(p)] ?? 'application/octet-stream', 'Content-Length': st.size });
      res.end(await readFile(p));
    } catch {
      send(res, 404, { error: 'not found' });
    }
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    if (log) console.error(req.method, path);
    try {
      // Pages, mapped like the daemon maps them.
      if (req.method === 'GET') {
        if (path === '/instructor/sessions') return await sendFile(res, 'instructor-sessions.html');
        if (/^\/session\/\d+\/join$/.test(path)) return await sendFile(res, 'join.html');
        if (path === '/my-courses') return await sendFile(res, 'my-courses.html');
        if (/^\/instructor\/sessions\/\d+\/attendance$/.test(path)) return await sendFile(res, 'attendance.html');
        if (path.startsWith('/assets/')) return await sendFile(res, decodeURIComponent(path.slice(1)));
        if (path === '/healthz') return send(res, 200, { status: 'ok' });
      }
      // Test hooks.
      if (path === '/__mock/state' && req.method === 'GET') return send(res, 200, state);
      if (path === '/__mock/now' && req.method === 'POST') {
        state.now = (await readBody(req)).now;
        return send(res, 200, { now: state.now });
      }
      let m = /^\/__mock\/sessions\/(\d+)$/.exec(path);
      if (m && req.method === 'POST') {
        const s = state.sessions.find((x) => x.id === Number(m[1]));
        Object.assign(s, await readBody(req));
        return send(res, 200, s);
      }
      if (!path.startsWith('/api/')) return send(res, 404, { error: 'not found' });

      const user = tokenUser(state, req);
      if (!user) return send(res, 401, { error: 'invalid or expired link' });
      if (path === '/api/me' && req.method === 'GET') {
        const { id, name, email, role, lang } = user;
        return send(res, 200, { id, name, email, role, lang: lang ?? 'en' });
      }
      if (path === '/api/me/sessions' && req.method === 'GET') {
        const list = state.sessions
          .filter((s) => mayView(user, s))
          .sort((a, b) => a.start_time.localeCompare(b.start_time))
          .map((s) => sessionJson(state, s, user));
        const { id, name, email, role, lang } = user;
        return send(res, 200, { now: state.now, start_window_minutes: 15, user: { id, name, email, role, lang: lang ?? 'en' }, sessions: list });
      }
      m = /^\/api\/sessions\/(\d+)(\/attendance(\.csv)?|\/attendance\/(\d+))?$/.exec(path);
      if (m) {
        const s = state.sessions.find((x) => x.id === Number(m[1]));
        if (!s) return send(res, 404, { error: 'no such session' });
        if (!mayView(user, s)) return send(res, 403, { error: 'not your session' });
        if (!m[2] && req.method === 'GET') return send(res, 200, sessionJson(state, s, user));
        if (user.id !== s.instructor_id) return send(res, 403, { error: 'only the instructor of the session' });
        if (m[2] === '/attendance' && req.method === 'GET') return send(res, 200, report(state, s));
        if (m[3] && req.method === 'GET') {
          return send(res, 200, csv(report(state, s)), {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': `attachment; filename="attendance-session-${s.id}.csv"`,
          });
        }
        if (m[4] && req.method === 'POST') {
          const body = await readBody(req);
          if (typeof body.present !== 'boolean' || typeof body.reason !== 'string' || !body.reason.trim()) {
            return send(res, 400, { error: 'present (boolean) and reason (non-empty) are required' });
          }
          const target = state.users.find((u) => u.id === Number(m[4]));
          if (!target || target.cohort !== s.cohort) return send(res, 404, { error: 'not enrolled' });
          const before = report(state, s).people.find((p) => p.user_id === target.id)?.present ?? false;
          const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          const actor = `instructor:${user.email}`;
          state.overrides.push({ session_id: s.id, user_id: target.id, present: body.present, reason: body.reason, actor, at });
          state.audit.push({ at, actor, action: 'attendance.override', entity: 'session_attendance', entity_id: `${s.id}:${target.id}`, before_json: JSON.stringify({ present: before }), after_json: JSON.stringify({ present: body.present, reason: body.reason }) });
          return send(res, 200, report(state, s).people.find((p) => p.user_id === target.id));
        }
      }
      if (path === '/api/signature' && req.method === 'POST') {
        const body = await readBody(req);
        const s = state.sessions.find((x) => x.id === Number(body.sessionId) || String(x.meeting_number) === String(body.meetingNumber));
        if (!s) return send(res, 404, { error: 'no such session' });
        if (!mayView(user, s)) return send(res, 403, { error: 'not your session' });
        const role = Number(body.role ?? 0);
        if (role === 1 && user.id !== s.instructor_id) return send(res, 403, { error: 'only the instructor may host' });
        const restart = role === 1 && restartable(state, s);
        if ((s.status === 'COMPLETED' && !restart) || s.status === 'CANCELLED') return send(res, 409, { error: `session is ${s.status}` });
        if (role === 1 && Date.parse(state.now) < Date.parse(s.start_time) - 15 * 60_000) {
          return send(res, 409, { error: 'too early to start: from 15 minutes before the start' });
        }
        if (role === 0 && user.id !== s.instructor_id && s.status !== 'IN_PROGRESS') {
          return send(res, 409, { error: 'the session has not started yet' });
        }
        // A real Meeting SDK JWT (HS256) with the mock's key, so the real SDK gets as far as Zoom.
        const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const iat = Math.floor(Date.now() / 1000) - 30;
        const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ appKey: 'mockSdkKey', sdkKey: 'mockSdkKey', mn: String(s.meeting_number), role, iat, exp: iat + 7200, tokenExp: iat + 7200 })}`;
        const sig = `${head}.${createHmac('sha256', 'mockSdkSecret0123456789').update(head).digest('base64url')}`;
        state.signatures.push({ user: user.id, session: s.id, role });
        return send(res, 200, {
          signature: sig,
          sdkKey: 'mockSdkKey',
          expiresAt: new Date(Date.parse(state.now) + 7200_000).toISOString(),
          meetingNumber: String(s.meeting_number),
          role,
          userName: user.name,
          userEmail: user.email,
          customerKey: String(user.id),
          password: 'pw123',
          ...(role === 1 ? { zak: 'mock-zak-token' } : {}),
        });
      }
      return send(res, 404, { error: 'not found' });
    } catch (e) {
      return send(res, 500, { error: String(e) });
    }
  });
  return { server, state };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : def;
  };
  const here = fileURLToPath(new URL('.', import.meta.url));
  const { server } = createMockServer({ distDir: arg('--dist', join(here, '../../web/dist')), log: true });
  const port = Number(arg('--port', '3000'));
  server.listen(port, '127.0.0.1', () => {
    console.log(`mock zoomctld on http://127.0.0.1:${port}/  tokens: tok-1 (instructor), tok-2 (learner, ar), tok-3, tok-4 (cohort B)`);
  });
}
