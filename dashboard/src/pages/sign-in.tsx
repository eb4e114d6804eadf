/** Sign in with the account's sid, API key and token; checked against the API before they are kept. */
import { useState } from 'preact/hooks';
import { ApiFailure, many, saveSession, type Session } from '../api';
import { ErrorNote } from '../ui';

export function SignIn(props: { onSignedIn: (s: Session) => void }) {
  const [sid, setSid] = useState('');
  const [key, setKey] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const session = { sid: sid.trim(), key: key.trim(), token };
    setBusy(true);
    setError(null);
    try {
      await many(session, '/campaigns?limit=1');
      saveSession(session);
      props.onSignedIn(session);
    } catch (err) {
      const f = err as ApiFailure;
      setError(f.status === 401 || f.status === 403 ? `Not signed in: ${f.description}` : f.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Outcall</h1>
      <p class="muted">Sign in with your account's API key and token. They stay in this browser tab only.</p>
      <form onSubmit={submit} data-testid="sign-in">
        <label>
          Account sid
          <input
            name="sid"
            value={sid}
            onInput={(e) => setSid(e.currentTarget.value)}
            required
            autoComplete="username"
          />
        </label>
        <label>
          API key
          <input name="key" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
        </label>
        <label>
          API token
          <input
            name="token"
            type="password"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            required
            autoComplete="current-password"
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}
