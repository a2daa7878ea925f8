/**
 * The route modules of the control API, in mounting order. To add a feature, write a RouteModule
 * (see route-module.ts) in its own folder and add ONE line to the list below.
 */
import { analyticsModules } from '../analytics/routes.ts';
import { auditRoutes } from '../audit/audit-routes.ts';
import { usageRoutes } from '../billing/usage-routes.ts';
import { callInternalRoutes } from '../calls/call-internal-routes.ts';
import { callRoutes } from '../calls/call-routes.ts';
import { campaignRoutes } from '../campaigns/campaign-routes.ts';
import { consoleRoutes } from '../console/console-routes.ts';
import { webhooksAdminProxyRoutes } from '../console/webhooks-admin-proxy.ts';
import { internalRoutes } from '../internal/internal-routes.ts';
import { outboundCallRoutes } from '../outbound/outbound-call-routes.ts';
import { webhookMessageRoutes } from '../outbound-webhooks/message-routes.ts';
import { recordingFileRoutes, recordingRoutes } from '../recordings/recording-routes.ts';
import { agentRoutes } from '../resources/agents.ts';
import { apiKeyRoutes } from '../resources/api-keys.ts';
import { credentialRoutes } from '../resources/credentials.ts';
import { phoneNumberRoutes } from '../resources/phone-numbers.ts';
import { memberRoutes, spaceListRoutes, spaceRoutes } from '../resources/spaces.ts';
import { toolTryRoutes } from '../resources/tool-try.ts';
import { toolRoutes } from '../resources/tools.ts';
import { webhookRoutes } from '../resources/webhooks.ts';
import { testSessionRoutes } from '../sessions/test-session-routes.ts';
import { widgetRoutes } from '../sessions/widget-routes.ts';
import { widgetAssetRoutes } from '../widget-assets/widget-asset-routes.ts';
import type { RouteModule } from './route-module.ts';

export const routeModules: RouteModule[] = [
  spaceListRoutes,
  spaceRoutes,
  memberRoutes,
  agentRoutes,
  toolRoutes,
  toolTryRoutes,
  phoneNumberRoutes,
  credentialRoutes,
  webhookRoutes,
  webhookMessageRoutes,
  apiKeyRoutes,
  callRoutes,
  outboundCallRoutes,
  campaignRoutes,
  recordingRoutes,
  usageRoutes,
  auditRoutes,
  testSessionRoutes,
  widgetRoutes,
  widgetAssetRoutes, // GET /widget/v1/… (the built <speaknode-agent>)
  recordingFileRoutes,
  consoleRoutes, // GET /console/ (the console's web build)
  webhooksAdminProxyRoutes, // /webhooks/admin/v1/… → the receiver's admin API (same origin for the console)
  internalRoutes,
  callInternalRoutes,
  ...analyticsModules, // POST /v1/traces, …/analytics
];

export type { RouteModule } from './route-module.ts';
