// The web console: served by the API at /console/ (same origin), signed in with a session cookie.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter, Route, Routes } from 'react-router';
import { Layout } from './layout';
import { SCREENS } from './screens';
import { SignedIn } from './session';
import { Bi } from './i18n';
import './styles.css';

function NotFound() {
  return (
    <p role="alert">
      <Bi zh="没有这个页面" en="No such page" />
    </p>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignedIn>
      <HashRouter>
        <Layout>
          <Routes>
            {SCREENS.map((s) => (
              <Route key={s.path} path={s.path} element={s.element} />
            ))}
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Layout>
      </HashRouter>
    </SignedIn>
  </StrictMode>,
);
