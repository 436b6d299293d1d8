/** @ballast/client/react: the React hook (React is a peer dependency of this subpath only). */
export { useBallastChat } from './use-ballast-chat';
export type { UseBallastChat, UseBallastChatOptions } from './use-ballast-chat';
export { chatReducer, INITIAL_CHAT_STATE } from './chat-state';
export type { ChatAction, ChatMessageView, ChatState, ChatStatus } from './chat-state';
