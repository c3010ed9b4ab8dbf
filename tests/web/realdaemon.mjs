// The browser tests' backend when ZOOMCTLD_BIN, ZOOMSIM_BIN and ZOOMCTL_BIN are set: the
// real zoomctld and zoomsim on free loopback ports, a temporary database, the emulator's
// credentials in the environment (as tests/integration/harness.py does). Data is made
// with the real CLI (user add, cohort add/enroll, user provision, session schedule,
// link); meetings start and attendance arrives as zoomsim webhooks; the daemon's clock is
// ZOOMCTL_TEST_MODE=1 ZOOMCTL_FAKE_NOW=ISO, moved by restarting it on the same port.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ZOOMCTL = process.env.ZOOMCTL_BIN;
const ZOOMCTLD = process.env.ZOOMCTLD_BIN;
const ZOOMSIM = process.env.ZOOMSIM_BIN;

const CREDS = {
  ZOOM_ACCOUNT_ID: 'simAccount01',
  ZOOM_CLIENT_ID: 'simClientId01',
  ZOOM_CLIENT_SECRET: 'simClientSecret0123456789',
  ZOOM_SDK_KEY: 'simSdkKey01',
  ZOOM_SDK_SECRET: 'simSdkSecret0123456789',
  ZOOM_WEBHOOK_SECRET_TOKEN: 'simWebhookSecret0123456789',
};

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.status < 500) return true;
    } catch {
      /* not yet */
    }
    await sleep(50);
  }
  return false;
}

export async function startReal({ distDir }) {
  const dir = mkdtempSync(join(tmpdir(), 'zoomctl-web-test-'));
  const db = join(dir, 'zoomctl.db');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ZOOM_') && !k.startsWith('ZOOMCTL')));
  Object.assign(env, CREDS, {
    ZOOMCTL_DB: db,
    XDG_DATA_HOME: join(dir, 'xdg'),
    ZOOMCTL_LINK_SECRET: 'webTestLinkSecret0123456789abcdef',
    ZOOMCTL_API_TOKEN: 'webTestApiToken0123456789',
  });
  const procs = [];
  const logOf = (name) => {
    const p = join(dir, `${name}.log`);
    return existsSync(p) ? readFileSync(p, 'utf8') : '';
  };
  const start = async (name, argv, extraEnv, waitUrl) => {
    const out = openSync(join(dir, `${name}.log`), 'a');
    const p = spawn(argv[0], argv.slice(1), { env: { ...env, ...extraEnv }, stdio: ['ignore', out, out] });
    procs.push(p);
    if (waitUrl && !(await waitHttp(waitUrl))) {
      p.kill('SIGKILL');
      throw new Error(`${name} did not come up at ${waitUrl}; log:\n${logOf(name)}`);
    }
    return p;
  };
  const stopProc = async (p) => {
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  const zoomctl = (...args) => {
    try {
      return execFileSync(ZOOMCTL, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    } catch (e) {
      throw new Error(`zoomctl ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  };
  const zjson = (...args) => JSON.parse(zoomctl('--json', ...args));
  const sql = (query) => {
    const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' });
    return out.trim() ? JSON.parse(out) : [];
  };

  // zoomsim first; the daemon's port is known before either starts.
  const simPort = await freePort();
  const daemonPort = await freePort();
  const simUrl = `http://127.0.0.1:${simPort}`;
  const url = `http://127.0.0.1:${daemonPort}`;
  await start(
    'zoomsim',
    [ZOOMSIM, '--listen', `127.0.0.1:${simPort}`, '--account-id', CREDS.ZOOM_ACCOUNT_ID, '--client-id', CREDS.ZOOM_CLIENT_ID,
      '--client-secret', CREDS.ZOOM_CLIENT_SECRET, '--webhook-secret', CREDS.ZOOM_WEBHOOK_SECRET_TOKEN,
      '--webhook-url', `${url}/api/webhooks/zoom`, '--speed', '600'],
    {},
    `${simUrl}/sim/state`,
  );
  env.ZOOM_API_URL = `${simUrl}/v2`;
  env.ZOOM_OAUTH_URL = `${simUrl}/oauth/token`;
  env.ZOOMCTL_PUBLIC_URL = url;
  const sim = async (method, path, body) => {
    const r = await fetch(simUrl + path, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`zoomsim ${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const webhooksSettled = async () => {
    for (let i = 0; i < 200; i++) {
      const { pending } = await sim('GET', '/sim/webhooks/pending');
      if (pending === 0) return;
      await sleep(50);
    }
    throw new Error('zoomsim webhooks still pending');
  };

  // The daemon's clock: "now" at seed time, to the second (webhooks are checked against it).
  const base = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
  let now = iso(base);
  const min = (n) => iso(base + n * 60_000);

  zoomctl('-q', 'db', 'migrate');
  const people = [
    ['hala@example.org', 'Hala Haddad', 'instructor'],
    ['omar@example.org', 'Omar Nasser', 'learner'],
    ['lina@example.org', 'Lina Saleh', 'learner'],
    ['karim@example.org', 'Karim Aziz', 'learner'],
    ['rami@example.org', 'Rami Other', 'instructor'],
  ];
  const users = {};
  for (const [email, name, role] of people) users[email] = zjson('user', 'add', email, '--name', name, '--role', role);
  zoomctl('-q', 'cohort', 'add', 'Cohort A');
  zoomctl('-q', 'cohort', 'add', 'Cohort B');
  zoomctl('-q', 'cohort', 'enroll', 'Cohort A', 'omar@example.org', 'lina@example.org');
  zoomctl('-q', 'cohort', 'enroll', 'Cohort B', 'karim@example.org');
  for (const email of ['hala@example.org', 'rami@example.org']) {
    zoomctl('-q', 'user', 'provision', email);
    await sim('POST', `/sim/users/${encodeURIComponent(email)}/activate`);
  }
  const schedule = (cohort, instructor, startIso, duration, topic) =>
    zjson('session', 'schedule', '--cohort', cohort, '--instructor', instructor, '--start', startIso, '--duration', String(duration), '--topic', topic);
  // Sessions start in the future of the real clock too (zoomctl refuses a past start).
  const soon = schedule('Cohort A', 'hala@example.org', min(10), 60, 'Data Analysis 101');
  const later = schedule('Cohort A', 'hala@example.org', min(20), 90, 'Statistics II');
  const done = schedule('Cohort A', 'hala@example.org', min(3), 60, 'Python Basics');
  const other = schedule('Cohort B', 'rami@example.org', min(5), 60, 'Cohort B Workshop');

  let daemon = null;
  const startDaemon = async () => {
    daemon = await start(
      'zoomctld',
      [ZOOMCTLD, '--listen', `127.0.0.1:${daemonPort}`],
      { ZOOMCTL_TEST_MODE: '1', ZOOMCTL_FAKE_NOW: now, ZOOMCTL_WEB_ROOT: distDir },
      `${url}/healthz`,
    );
  };
  await startDaemon();

  // "Python Basics" ran (attendance by webhooks): Omar most of it, Lina 10 minutes, Hala hosted.
  const m = done.zoom_meeting_id;
  const t0 = base + 3 * 60_000;
  const at = (n) => iso(t0 + n * 60_000);
  await sim('POST', `/sim/meetings/${m}/start`, { at: at(0) });
  const join_ = (email, name, customerKey, n) => sim('POST', `/sim/meetings/${m}/join`, { name, email, customer_key: customerKey, at: at(n) });
  const hj = await join_('hala@example.org', 'Hala Haddad', String(users['hala@example.org'].id), 0);
  const oj = await join_('omar@example.org', 'Omar Nasser', String(users['omar@example.org'].id), 1);
  const lj = await join_('lina@example.org', 'Lina Saleh', String(users['lina@example.org'].id), 20);
  const gj = await join_('', 'Guest Phone', '', 10);
  await sim('POST', `/sim/meetings/${m}/leave`, { participant_uuid: lj.participant_uuid, at: at(30) });
  await sim('POST', `/sim/meetings/${m}/leave`, { participant_uuid: gj.participant_uuid, at: at(40) });
  await sim('POST', `/sim/meetings/${m}/leave`, { participant_uuid: oj.participant_uuid, at: at(57) });
  void hj;
  await sim('POST', `/sim/meetings/${m}/end`, { at: at(59) });
  // The other cohort's session is running.
  await sim('POST', `/sim/meetings/${other.zoom_meeting_id}/start`, { at: min(5) });
  await webhooksSettled();

  const link = (email, ...extra) => {
    const l = zjson('link', email, '--ttl', '7d', ...extra);
    return new URL(l.url).searchParams.get('token');
  };
  const byEmail = (e) => ({ id: users[e].id, name: users[e].name, email: users[e].email });
  const started = new Set();
  return {
    kind: 'zoomctld',
    url,
    dir,
    get now() {
      return now;
    },
    tokens: {
      instructor: link('hala@example.org'),
      learner: link('omar@example.org', '--lang', 'ar'),
      learner2: link('lina@example.org', '--lang', 'en'),
      otherLearner: link('karim@example.org'),
    },
    users: {
      instructor: byEmail('hala@example.org'),
      learner: byEmail('omar@example.org'),
      learner2: byEmail('lina@example.org'),
    },
    sessions: { soon: soon.id, later: later.id, completed: done.id, otherCohort: other.id },
    sql,
    zoomctl,
    async setNow(isoNow) {
      now = isoNow;
      await stopProc(daemon);
      await startDaemon();
    },
    /** IN_PROGRESS the first time by starting the meeting in zoomsim (meeting.started webhook); else SQL. */
    async setStatus(id, status) {
      const s = [soon, later, done, other].find((x) => x.id === id);
      if (status === 'IN_PROGRESS' && !started.has(id)) {
        started.add(id);
        await sim('POST', `/sim/meetings/${s.zoom_meeting_id}/start`, { at: now });
        await webhooksSettled();
        const [row] = sql(`SELECT status FROM sessions WHERE id = ${Number(id)}`);
        if (row?.status !== 'IN_PROGRESS') throw new Error(`meeting.started did not make session ${id} IN_PROGRESS: ${JSON.stringify(row)}`);
        return;
      }
      sql(`UPDATE sessions SET status = '${status}' WHERE id = ${Number(id)}`);
    },
    async auditRows() {
      return sql('SELECT id, at, actor, action, entity, entity_id, before_json, after_json FROM audit_log ORDER BY id');
    },
    async overrideRows() {
      return sql('SELECT * FROM attendance_overrides ORDER BY id');
    },
    log: logOf,
    async stop() {
      for (const p of procs.reverse()) await stopProc(p);
      if (!process.env.ZOOMCTL_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
    },
  };
}
