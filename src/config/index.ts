export { APP_CONFIG } from './app-config';
export type { AppConfig } from './app-config';
export type { RequestLimits, ServerSettings } from './app-config';
export { ConfigError, loadConfig } from './load-config';
