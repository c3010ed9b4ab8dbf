import { mountPage } from '../shell';
import { Join } from '../pages/Join';
import { loadZoomEmbedded } from '../zoom/sdk';

// Start fetching the SDK now; the component awaits the same promise.
loadZoomEmbedded().catch(() => undefined);
mountPage(Join, { wide: true });
