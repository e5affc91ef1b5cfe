import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { Bi } from './i18n';
import { SCREENS } from './screens';
import { hasRole, useSession } from './session';

export function Layout({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const menu = SCREENS.filter((s) => s.menu && (!s.roles || hasRole(me, ...s.roles)) && (!s.needsTeam || me.teams.length > 0));
  return (
    <>
      <header className="top">
        <span className="brand">
          <Bi zh="应急" en="Yingji" />
        </span>
        <nav aria-label="主菜单 Main menu">
          {menu.map((s) => (
            <NavLink key={s.path} to={s.path} end>
              <Bi zh={s.menu!.zh} en={s.menu!.en} />
            </NavLink>
          ))}
        </nav>
        <span className="me">
          {me.person} · {me.roles.join(', ')}
          {me.teams.length ? ` · ${me.teams.join(', ')}` : ''}
          <button type="button" className="link" onClick={() => void signOut()}>
            <Bi zh="退出" en="Sign out" />
          </button>
        </span>
      </header>
      <main>{children}</main>
    </>
  );
}
