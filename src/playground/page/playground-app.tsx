import { BallastClient } from '@ballast/client';
import { useMemo, useState } from 'react';
import { useApiKey } from './api-key';
import { ChatPanel } from './chat-panel';
import { VisionPanel } from './vision-panel';

export function PlaygroundApp() {
  const [apiKey, setApiKey] = useApiKey();
  const [model, setModel] = useState('chat');
  const [resumable, setResumable] = useState(true);
  const client = useMemo(() => new BallastClient({ baseUrl: window.location.origin, apiKey: apiKey || undefined }), [apiKey]);
  return (
    <main>
      <header>
        <h1>Ballast playground</h1>
        <label>
          API key
          <input data-testid="api-key" type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
        </label>
        <label>
          Chat model
          <input data-testid="model" value={model} onChange={(e) => setModel(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={resumable} onChange={(e) => setResumable(e.target.checked)} /> resumable streams
        </label>
      </header>
      <ChatPanel client={client} model={model} resumable={resumable} />
      <VisionPanel client={client} />
    </main>
  );
}
