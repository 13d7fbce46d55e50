// Sign-in: an admin API key, sent once to POST /dashboard/session in the apikey header and forgotten; the service
// answers with the session cookie (httpOnly: this page never sees it) and the CSRF token.
import { useState } from 'preact/hooks';
import { api, ApiFailure } from '../api.ts';
import { ErrorNotice, useSubmit } from '../components.tsx';
import type { SessionInfo } from '../session.ts';

function explain(error: unknown): unknown {
  if (!(error instanceof ApiFailure)) return error;
  if (error.status === 403) return new Error('This key has no admin scope. The dashboard needs an admin key.');
  if (error.status === 401) return new Error(`The key was refused: ${error.message}.`);
  return error;
}

export function SignInPage({ onSignedIn }: { onSignedIn(session: SessionInfo): void }) {
  const [key, setKey] = useState('');
  const form = useSubmit(async () => {
    const session = await api<SessionInfo>('POST', '/dashboard/session', { apiKey: key.trim(), body: {} });
    setKey('');
    onSignedIn(session);
  });
  return (
    <main class="sign-in" id="main">
      <h1>Sign in to the ofconnect dashboard</h1>
      <p>
        Paste an admin API key (<code>sk_sandbox_…</code> or <code>sk_live_…</code>). It is exchanged for a session of 12
        hours in this browser and not kept: the dashboard shows that key's organization and environment.
      </p>
      <form onSubmit={form.submit}>
        <label for="api-key">Admin API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(event) => setKey((event.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary" disabled={form.busy || key.trim() === ''}>
          {form.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {form.error ? <ErrorNotice error={explain(form.error)} /> : null}
      <p class="muted">
        Lost the key? Run <code>npx ofconnect keys create --org &lt;org id&gt;</code> on the server.
      </p>
    </main>
  );
}
