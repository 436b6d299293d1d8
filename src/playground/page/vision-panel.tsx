import { BallastClient, BallastProblem, VisionResult, isBallastProblem } from '@ballast/client';
import { useState } from 'react';
import { ProblemView } from './problem-view';

type Task = 'analyze' | 'ocr';

export function VisionPanel({ client }: { client: BallastClient }) {
  const [file, setFile] = useState<File | undefined>();
  const [prompt, setPrompt] = useState('What is in this image?');
  const [busy, setBusy] = useState<Task | undefined>();
  const [result, setResult] = useState<VisionResult | undefined>();
  const [problem, setProblem] = useState<BallastProblem | undefined>();

  const run = async (task: Task): Promise<void> => {
    if (!file) {
      return;
    }
    setBusy(task);
    setResult(undefined);
    setProblem(undefined);
    try {
      setResult(
        task === 'ocr'
          ? await client.ocr({ image: file, filename: file.name })
          : await client.analyzeImage({ image: file, filename: file.name, prompt }),
      );
    } catch (error) {
      setProblem(isBallastProblem(error) ? error : BallastProblem.client('NETWORK_ERROR', String(error)));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section className="vision">
      <h2>Vision</h2>
      <input data-testid="image-input" type="file" accept="image/*" onChange={(e) => setFile(e.target.files?.[0])} />
      <input data-testid="vision-prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
      <div className="buttons">
        <button data-testid="analyze" type="button" disabled={!file || busy !== undefined} onClick={() => void run('analyze')}>
          Analyze
        </button>
        <button data-testid="ocr" type="button" disabled={!file || busy !== undefined} onClick={() => void run('ocr')}>
          OCR
        </button>
        {busy ? <span className="status status-streaming">{busy}…</span> : null}
      </div>
      {result ? (
        <div className="vision-result" data-testid="vision-result">
          <pre data-testid="vision-text">{result.text}</pre>
          <p>
            {result.model}
            {result.fallback ? ' (fallback)' : ''}
            {typeof result.confidence === 'number' ? ` · confidence ${result.confidence.toFixed(2)}` : ''} · {result.image.width}×
            {result.image.height} {result.image.format} · request id <code>{result.requestId}</code>
          </p>
          <p>
            corrections:{' '}
            <span data-testid="corrections">{result.image.corrections.length > 0 ? result.image.corrections.join(', ') : 'none'}</span>
          </p>
        </div>
      ) : null}
      {problem ? <ProblemView problem={problem} /> : null}
    </section>
  );
}
