import { ClientPresence } from './client-presence';

describe('ClientPresence', () => {
  it('has not left, and makes no signal until asked', () => {
    const sut = new ClientPresence();

    expect(sut.left).toBe(false);
    expect(sut.reason).toBeUndefined();
  });

  it('aborts every follower with its reason when the client leaves, and its signal too', () => {
    const sut = new ClientPresence();
    const attempt = new AbortController();
    const other = new AbortController();
    sut.follow(attempt);
    sut.follow(other);
    const signal = sut.signal;
    const reason = new Error('client gone');

    sut.leave(reason);

    expect(sut.left).toBe(true);
    expect(sut.reason).toBe(reason);
    expect(attempt.signal.reason).toBe(reason);
    expect(other.signal.reason).toBe(reason);
    expect(signal.reason).toBe(reason);
  });

  it('leaves an unfollowed controller alone', () => {
    const sut = new ClientPresence();
    const attempt = new AbortController();
    const unfollow = sut.follow(attempt);

    unfollow();
    unfollow();
    sut.leave(new Error('client gone'));

    expect(attempt.signal.aborted).toBe(false);
  });

  it('aborts a follower at once, and makes its signal aborted, after the client has left; only the first reason counts', () => {
    const sut = new ClientPresence();
    const first = new Error('first');
    sut.leave(first);
    sut.leave(new Error('second'));
    const late = new AbortController();

    sut.follow(late);

    expect(late.signal.reason).toBe(first);
    expect(sut.signal.reason).toBe(first);
  });
});
