/**
 * The route modules of the control API, in mounting order. To add a feature, write a RouteModule
 * (see route-module.ts) in its own folder and add ONE line to the list below.
 */
import { analyticsModules } from '../analytics/routes.ts';
import { auditRoutes } from '../audit/audit-routes.ts';
import { callRoutes } from '../calls/calls.ts';
import { callDetailRoutes, conversationModules } from '../conversations/index.ts';
import { internalRoutes } from '../internal/internal-routes.ts';
import { agentRoutes } from '../resources/agents.ts';
import { apiKeyRoutes } from '../resources/api-keys.ts';
import { credentialRoutes } from '../resources/credentials.ts';
import { phoneNumberRoutes } from '../resources/phone-numbers.ts';
import { memberRoutes, spaceListRoutes, spaceRoutes } from '../resources/spaces.ts';
import { toolRoutes } from '../resources/tools.ts';
import { webhookRoutes } from '../resources/webhooks.ts';
import type { RouteModule } from './route-module.ts';

export const routeModules: RouteModule[] = [
  spaceListRoutes,
  spaceRoutes,
  memberRoutes,
  agentRoutes,
  toolRoutes,
  phoneNumberRoutes,
  credentialRoutes,
  webhookRoutes,
  apiKeyRoutes,
  callDetailRoutes, // conversations: GET /calls/:callId with transcript, answered before callRoutes
  callRoutes,
  auditRoutes,
  internalRoutes,
  // conversations (issue 4): add its modules here
  ...conversationModules,
  ...analyticsModules, // analytics (issue 20): POST /v1/traces, …/analytics
];

export type { RouteModule } from './route-module.ts';
