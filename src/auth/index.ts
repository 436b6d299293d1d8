export { AuthModule } from './auth.module';
export { API_PREFIX, apiClientOf, isApiRequest } from './api-scope';
