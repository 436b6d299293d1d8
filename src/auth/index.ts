export { AuthModule } from './auth.module';
export { apiClientOf } from './api-scope';
export { OpenWhileDraining, policyOf, PUBLIC_EXTENSION, PublicRoute, routePolicy } from './route-policy';
export type { RoutePolicy } from './route-policy';
