const texts = new WeakMap<object, string>();

/**
 * The exact JSON text an upstream answer was parsed from, so that an answer
 * nobody rewrites goes to the client as the upstream's bytes instead of
 * through a second JSON.stringify. Kept beside the object, never on it: a
 * copy (`{ ...answer }`) or a new object has no text and is serialised, so
 * only code that changed an answer in place could send stale bytes — and
 * nothing does (Ballast passes chat answers through as the upstream sent
 * them; `model` stays the upstream's model).
 */
export const answerJson = {
  remember<T extends object>(answer: T, text: string): T {
    texts.set(answer, text);
    return answer;
  },
  of(answer: object): string | undefined {
    return texts.get(answer);
  },
};
