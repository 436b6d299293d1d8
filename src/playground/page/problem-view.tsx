import type { BallastProblem } from '@ballast/client';

/** A problem as a user can act on it: what happened, its request id, and the page that explains the code. */
export function ProblemView({ problem }: { problem: BallastProblem }) {
  return (
    <div className="problem" data-testid="problem" role="alert">
      <strong>{problem.title}</strong> <code data-testid="problem-code">{problem.code}</code>
      {problem.status ? <span> · HTTP {problem.status}</span> : null}
      <p>{problem.detail}</p>
      {problem.errors.length > 0 ? (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        request id: <code data-testid="problem-request-id">{problem.requestId ?? '—'}</code>
        {problem.type ? (
          <>
            {' · '}
            <a data-testid="problem-link" href={problem.type} target="_blank" rel="noreferrer">
              what {problem.code} means
            </a>
          </>
        ) : null}
      </p>
    </div>
  );
}
