/// <reference types="vite/client" />

/** The exact @zoom/meetingsdk version, read from its package.json at build time. */
declare const __ZOOM_SDK_VERSION__: string;
/** True in the test build that swaps the SDK for test-support/fake-embedded.ts. */
declare const __ZOOMCTL_FAKE_SDK__: boolean;

interface JoinTiming {
  /** Milliseconds from the Join/Start click (or the page load when there was no click) to client.join(). */
  clickToJoinCallMs: number;
  from: 'click' | 'page-load';
  /** When the signature arrived and when the SDK was loaded and initialised (same origin). */
  signatureMs?: number;
  sdkReadyMs?: number;
}

interface Window {
  __zoomctlJoinTiming?: JoinTiming;
}
