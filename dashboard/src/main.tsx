/**
 * SPEC §9 the dashboard: a hash-routed single page (`#/campaigns`, `#/campaigns/<id>`, `#/lists`)
 * over the public REST API, signed in with the account's credentials for this browser tab only.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearSession, loadSession, type Session } from './api';
import { CampaignPage } from './pages/campaign';
import { Campaigns } from './pages/campaigns';
import { Lists } from './pages/lists';
import { SignIn } from './pages/sign-in';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const [session, setSession] = useState<Session | null>(loadSession());
  const hash = useHash();
  if (!session) return <SignIn onSignedIn={setSession} />;
  const campaign = /^#\/campaigns\/([0-9a-f]{32})$/.exec(hash);
  const view = campaign ? (
    <CampaignPage key={campaign[1]} session={session} id={campaign[1]!} />
  ) : hash === '#/lists' ? (
    <Lists session={session} />
  ) : (
    <Campaigns session={session} />
  );
  return (
    <>
      <header>
        <strong>Outcall</strong>
        <nav>
          <a href="#/campaigns" class={hash.startsWith('#/lists') ? '' : 'active'}>
            Campaigns
          </a>
          <a href="#/lists" class={hash === '#/lists' ? 'active' : ''}>
            Lists
          </a>
          <a href="/docs">API reference</a>
        </nav>
        <span class="muted" data-testid="signed-in-as">
          {session.sid}
        </span>
        <button
          class="link"
          data-testid="sign-out"
          onClick={() => {
            clearSession();
            setSession(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>{view}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
