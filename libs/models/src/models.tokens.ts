export const MODEL_PROVIDERS = Symbol('MODEL_PROVIDERS');
export const MODEL_LAYER = Symbol('MODEL_LAYER');
export const MODEL_ROUTER = Symbol('MODEL_ROUTER');
export const CHAT_ROUTING = Symbol('CHAT_ROUTING');
