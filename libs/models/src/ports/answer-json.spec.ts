import { answerJson } from './answer-json';

describe('answerJson', () => {
  const sut = answerJson;

  it('gives back the text an answer was remembered with', () => {
    const answer = sut.remember({ id: 'a' }, '{ "id": "a" }');

    expect(sut.of(answer)).toBe('{ "id": "a" }');
  });

  it('knows no text for a copy or an answer built in-process: those are serialised', () => {
    const answer = sut.remember({ id: 'a' }, '{ "id": "a" }');

    expect(sut.of({ ...answer })).toBeUndefined();
    expect(sut.of({ id: 'a' })).toBeUndefined();
  });
});
