export const MODELS_OPTIONS = Symbol('MODELS_OPTIONS');
export const MODEL_PROVIDERS = Symbol('MODEL_PROVIDERS');
export const PROVIDER_POLICIES = Symbol('PROVIDER_POLICIES');
export const MODEL_ROUTER = Symbol('MODEL_ROUTER');
export const CHAT_ROUTING = Symbol('CHAT_ROUTING');
