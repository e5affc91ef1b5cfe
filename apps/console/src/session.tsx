// Who is signed in. The token is handed to the API once (POST /session) and never kept by the
// page: the API answers with an HttpOnly session cookie and a CSRF token for changes.
import { parse } from 'cookie';
import { createContext, FormEvent, ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { api, refusalOf } from './api';
import { Bi, bi } from './i18n';

export type Role = 'commander' | 'responder' | 'manager' | 'auditor' | 'admin' | 'intake';

export interface Me {
  person: string;
  roles: Role[];
  teams: string[];
  expiresAt?: string;
}

interface Session {
  me: Me;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside <SignedIn>');
  return s;
}

export const hasRole = (me: Me, ...roles: Role[]) => roles.some((r) => me.roles.includes(r));

/** Shows the sign-in form until the API knows who this is, then the children. */
export function SignedIn({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>();
  const load = useCallback(async () => {
    // Nobody signed in on this browser: no call, so opening the page is not a failed authentication.
    if (!parse(document.cookie).yingji_csrf) return setMe(null);
    try {
      setMe(await api.get<Me>('/session'));
    } catch {
      setMe(null);
    }
  }, []);
  useEffect(() => void load(), [load]);
  const signOut = useCallback(async () => {
    await api.del('/session').catch(() => undefined);
    setMe(null);
  }, []);
  if (me === undefined) return <p className="loading"><Bi zh="加载中…" en="Loading…" /></p>;
  if (me === null) return <SignIn onSignedIn={setMe} />;
  return <SessionContext.Provider value={{ me, signOut }}>{children}</SessionContext.Provider>;
}

function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      onSignedIn(await api.post<Me>('/session', { token: token.trim() }));
    } catch (err) {
      setError(refusalOf(err));
    }
  };
  return (
    <main className="sign-in">
      <h1>
        <Bi zh="应急" en="Yingji" />
      </h1>
      <form onSubmit={submit}>
        <label htmlFor="token">
          <Bi zh="访问令牌" en="Access token" />
        </label>
        <input id="token" name="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} placeholder="yj_…" required />
        <button type="submit">{bi('登录', 'Sign in')}</button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
