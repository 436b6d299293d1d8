export { ContextWindowCheck } from './context-window-check';
export { TokenizerThread } from './tokenizer-thread';
