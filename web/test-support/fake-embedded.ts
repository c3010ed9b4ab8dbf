// TEST BUILD ONLY (VITE_FAKE_SDK=1 aliases '@zoom/meetingsdk/embedded' here).
// A stand-in for ZoomMtgEmbedded that records what the page passed to init/join and
// the language dictionary it installed, on window.__fakeZoom, without any network.
// window.__fakeZoomConfig = { joinError: {errorCode, reason}, joinDelayMs } (set before
// the page loads) makes join fail or take time.

interface FakeConfig {
  joinError?: { errorCode: number; reason: string; type?: string } | null;
  /** Fail only the first n joins, then succeed (to test Retry). */
  failTimes?: number;
  joinDelayMs?: number;
}

interface FakeRecord {
  version: string;
  created: number;
  inits: Record<string, unknown>[];
  joins: Record<string, unknown>[];
  translations: Record<string, Record<string, unknown>>;
  translationUpdates: { lng: string; keys: number }[];
  videoOptions: unknown[];
  left: number;
}

declare global {
  interface Window {
    __fakeZoom?: FakeRecord;
    __fakeZoomConfig?: FakeConfig;
  }
}

const ENGLISH: Record<string, string> = {
  toolbar_join_audio: 'Join Audio',
  toolbar_leave: 'Leave',
  toolbar_mute: 'Mute',
  toolbar_unmute: 'Unmute',
  'wc_video.start_video': 'Start Video',
  wc_participants: 'Participants',
  'wc_chat.chat': 'Chat',
  wc_more: 'More',
  wc_waiting_room: 'Waiting Room',
  errorcodes_not_start: 'Meeting has not started',
};

function record(): FakeRecord {
  window.__fakeZoom ??= {
    version: 'fake',
    created: 0,
    inits: [],
    joins: [],
    translations: { 'en-US': { ...ENGLISH } },
    translationUpdates: [],
    videoOptions: [],
    left: 0,
  };
  return window.__fakeZoom;
}

function plain(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v instanceof HTMLElement) out[k] = { element: v.className || v.tagName };
    else if (typeof v !== 'function') out[k] = v as unknown;
  }
  return out;
}

let root: HTMLElement | null = null;
let size = { width: 0, height: 0 };
let joinCount = 0;

function render(state: string): void {
  if (!root) return;
  const dict = record().translations['en-US'] ?? {};
  const label = (k: string) => {
    const v = dict[k];
    return typeof v === 'string' ? v : k;
  };
  root.innerHTML = '';
  const video = document.createElement('div');
  video.dataset.fake = 'video';
  video.style.cssText = `width:${String(size.width)}px;height:${String(size.height)}px;background:#1f2937;color:#e5e7eb;display:flex;align-items:center;justify-content:center;font:16px sans-serif`;
  video.textContent = `FAKE Zoom SDK — ${state} — ${String(size.width)}×${String(size.height)}`;
  const bar = document.createElement('div');
  bar.dataset.fake = 'toolbar';
  bar.style.cssText = 'height:64px;display:flex;gap:12px;align-items:center;justify-content:center;background:#0f172a';
  for (const k of ['toolbar_join_audio', 'wc_video.start_video', 'wc_participants', 'wc_chat.chat', 'wc_more', 'toolbar_leave']) {
    const b = document.createElement('button');
    b.textContent = label(k);
    b.dataset.key = k;
    b.style.cssText = 'background:#334155;color:#fff;border:0;border-radius:6px;padding:6px 12px;font:14px sans-serif';
    bar.appendChild(b);
  }
  root.append(video, bar);
}

const client = {
  init(opts: { zoomAppRoot?: HTMLElement; customize?: { video?: { viewSizes?: { default?: { width: number; height: number } } } } }) {
    record().inits.push(plain(opts));
    root = opts.zoomAppRoot ?? null;
    size = opts.customize?.video?.viewSizes?.default ?? { width: 640, height: 360 };
    render('initialised');
    return Promise.resolve('');
  },
  join(opts: Record<string, unknown>) {
    const rec = record();
    rec.joins.push({ ...opts, at: Date.now() });
    joinCount += 1;
    const cfg = window.__fakeZoomConfig ?? {};
    return new Promise((resolve, reject) => {
      window.setTimeout(() => {
        if (cfg.joinError && (cfg.failTimes === undefined || joinCount <= cfg.failTimes)) {
          render(`error ${String(cfg.joinError.errorCode)}`);
          reject(new Error(JSON.stringify({ type: 'JOIN_MEETING_FAILED', ...cfg.joinError })));
          return;
        }
        render('joined');
        resolve('');
      }, cfg.joinDelayMs ?? 50);
    }).catch((e: unknown) => {
      // The real SDK rejects with a plain object, not an Error.
      throw e instanceof Error ? (JSON.parse(e.message) as unknown) : e;
    });
  },
  getLanguageTranslation(lng: string) {
    return Promise.resolve({ ...(record().translations[lng] ?? {}) });
  },
  updateLanguageTranslation(lng: string, dict: Record<string, unknown>) {
    const rec = record();
    rec.translations[lng] = { ...(rec.translations[lng] ?? {}), ...dict };
    rec.translationUpdates.push({ lng, keys: Object.keys(dict).length });
    render('translated');
    return Promise.resolve('');
  },
  updateVideoOptions(opts: { viewSizes?: { default?: { width: number; height: number } } }) {
    record().videoOptions.push(opts);
    if (opts.viewSizes?.default) size = opts.viewSizes.default;
    render('resized');
  },
  leaveMeeting() {
    record().left += 1;
    return Promise.resolve('');
  },
  on() {
    /* events are not simulated */
  },
  off() {
    /* events are not simulated */
  },
};

const ZoomMtgEmbedded = {
  VERSION: 'fake',
  createClient() {
    record().created += 1;
    return client;
  },
  destroyClient() {
    root = null;
  },
};

export default ZoomMtgEmbedded;
