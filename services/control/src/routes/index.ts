/**
 * The route modules of the control API, in mounting order. To add a feature, write a RouteModule
 * (see route-module.ts) in its own folder and add ONE line to the list below.
 */
import type { RouteModule } from './route-module.ts';

export const routeModules: RouteModule[] = [];

export type { RouteModule } from './route-module.ts';
