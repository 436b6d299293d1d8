import type { BallastClient } from '@ballast/client';
import { useBallastChat } from '@ballast/client/react';
import { FormEvent, useState } from 'react';
import { ProblemView } from './problem-view';

export function ChatPanel({ client, model, resumable }: { client: BallastClient; model: string; resumable: boolean }) {
  const chat = useBallastChat({ client, model, resumable });
  const [draft, setDraft] = useState('');
  const busy = chat.status === 'streaming' || chat.status === 'retrying' || chat.status === 'resuming';

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (draft.trim()) {
      void chat.send(draft);
      setDraft('');
    }
  };

  return (
    <section className="chat">
      <h2>
        Chat{' '}
        <span className={`status status-${chat.status}`} data-testid="status">
          {chat.status}
        </span>
      </h2>
      <ol className="messages">
        {chat.messages.map((m) => (
          <li key={m.id} className={`message ${m.role}${m.partial ? ' partial' : ''}`} data-testid={`message-${m.role}`}>
            <span className="role">{m.role}</span>
            <span className="content">{m.content}</span>
            {m.partial ? (
              <span className="badge" data-testid="partial-badge">
                partial
              </span>
            ) : null}
            {m.model ? <span className="meta">{m.model}</span> : null}
          </li>
        ))}
        {chat.streamingText ? (
          <li className="message assistant streaming" data-testid="streaming">
            <span className="role">assistant</span>
            <span className="content">{chat.streamingText}</span>
          </li>
        ) : null}
      </ol>
      <ul className="activity" data-testid="activity">
        {chat.requestId ? <li>request id {chat.requestId}</li> : null}
        {chat.lastRetry ? (
          <li data-testid="retry-info">
            retry: attempt {chat.lastRetry.attempt} in {chat.lastRetry.delayMs} ms ({chat.lastRetry.code})
          </li>
        ) : null}
        {chat.resumedAfter !== undefined ? <li data-testid="resume-info">resumed after event {chat.resumedAfter}</li> : null}
        {chat.fallbackModel ? <li data-testid="fallback-info">fallback: {chat.fallbackModel}</li> : null}
      </ul>
      {chat.problem ? <ProblemView problem={chat.problem} /> : null}
      <form onSubmit={submit}>
        <textarea data-testid="prompt" value={draft} placeholder="Say something…" onChange={(e) => setDraft(e.target.value)} />
        <div className="buttons">
          <button data-testid="send" type="submit">
            Send
          </button>
          <button data-testid="stop" type="button" disabled={!busy} onClick={chat.stop}>
            Stop
          </button>
          <button data-testid="retry" type="button" disabled={busy || chat.status !== 'error'} onClick={() => void chat.retry()}>
            Retry
          </button>
        </div>
      </form>
    </section>
  );
}
