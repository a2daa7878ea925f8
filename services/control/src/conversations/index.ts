import { conversationInternalRoutes } from '../calls-lifecycle/internal-routes.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { testSessionRoutes, widgetRoutes } from '../sessions/session-routes.ts';
import { conversationRoutes, recordingFileRoutes } from './conversation-routes.ts';

/** Mounted before the calls resource (routes/index.ts) so that `GET /calls/:callId` carries the transcript. */
export { callDetailRoutes } from './conversation-routes.ts';
export { Conversations } from './conversations.ts';

/** The conversations (issue 4) route modules, mounted after the control API's resources. */
export const conversationModules: RouteModule[] = [
  widgetRoutes,
  recordingFileRoutes,
  testSessionRoutes,
  conversationRoutes,
  conversationInternalRoutes,
];
