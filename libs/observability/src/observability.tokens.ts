export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');
