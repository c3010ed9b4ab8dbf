// Loading the Meeting SDK's component view, served from our own /assets (no CDN at run time).
import type ZoomMtgEmbeddedType from '@zoom/meetingsdk/embedded';
import zoomAr from '../i18n/zoom-ar.json';

export type ZoomEmbedded = typeof ZoomMtgEmbeddedType;
export type EmbeddedClient = ReturnType<ZoomEmbedded['createClient']>;
export type InitOptions = Parameters<EmbeddedClient['init']>[0];
export type JoinOptions = Parameters<EmbeddedClient['join']>[0];

/** Pinned in web/package.json only; read from the installed package at build time. */
export const ZOOM_SDK_VERSION: string = __ZOOM_SDK_VERSION__;
/** Where the build copies node_modules/@zoom/meetingsdk/dist/lib (the SDK finds ../image etc. from here). */
export const ZOOM_ASSET_DIR = `/assets/zoom-sdk/${ZOOM_SDK_VERSION}/lib/av`;

/**
 * assetPath for init: it must be an absolute http(s) URL. The SDK 6.2.0 ignores any
 * other value and silently loads js_media from source.zoom.us (checked with a browser
 * whose outside requests are blocked).
 */
export function zoomAssetPath(): string {
  return new URL(ZOOM_ASSET_DIR, window.location.origin).href;
}

/** Our Arabic strings for the SDK's own UI, keyed as the component view's en-US dictionary. */
export const ZOOM_ARABIC: Record<string, string> = zoomAr;

function hasCreateClient(v: unknown): v is ZoomEmbedded {
  return typeof v === 'object' && v !== null && typeof (v as { createClient?: unknown }).createClient === 'function';
}

let loading: Promise<ZoomEmbedded> | null = null;

/**
 * The ZoomMtgEmbedded namespace, loaded once. The join page calls this as its script
 * starts, so the 3 MB SDK downloads while /api/me and the signature are fetched.
 */
export function loadZoomEmbedded(): Promise<ZoomEmbedded> {
  loading ??= importZoomEmbedded();
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

/** The UMD bundle may arrive as the module or as its default. */
async function importZoomEmbedded(): Promise<ZoomEmbedded> {
  const mod: unknown = await import('@zoom/meetingsdk/embedded');
  const candidates: unknown[] = [mod];
  if (typeof mod === 'object' && mod !== null && 'default' in mod) {
    const d: unknown = mod.default;
    candidates.push(d);
    if (typeof d === 'object' && d !== null && 'default' in d) candidates.push(d.default);
  }
  const found = candidates.find(hasCreateClient);
  if (!found) throw new Error('ZoomMtgEmbedded.createClient not found in @zoom/meetingsdk/embedded');
  return found;
}

/**
 * The SDK has no Arabic: we take its en-US dictionary, overlay our Arabic strings and
 * install the result as en-US (component view only lets us update built-in languages).
 * Returns the English dictionary, to switch back.
 */
export async function applyArabic(
  client: EmbeddedClient,
  english: Record<string, unknown> | null = null,
): Promise<Record<string, unknown>> {
  let base = english;
  if (!base) {
    const current: unknown = await client.getLanguageTranslation('en-US');
    base = typeof current === 'object' && current !== null ? { ...(current as Record<string, unknown>) } : {};
  }
  const merged: Record<string, unknown> = { ...base, ...ZOOM_ARABIC };
  await client.updateLanguageTranslation('en-US', merged);
  return base;
}

/** The numeric error code in whatever the SDK rejected with ({errorCode}, {code}, {type, reason}). */
export function sdkErrorCode(e: unknown): number | null {
  if (typeof e === 'object' && e !== null) {
    for (const k of ['errorCode', 'code']) {
      const v = (e as Record<string, unknown>)[k];
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    }
  }
  return null;
}

export function sdkErrorReason(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const r = (e as Record<string, unknown>).reason ?? (e as Record<string, unknown>).message;
    if (typeof r === 'string') return r;
    const ty = (e as Record<string, unknown>).type;
    if (typeof ty === 'string') return ty;
  }
  return e instanceof Error ? e.message : String(e);
}
