// The console's screens (console.md "Screens"), in the order of the menu. A screen is listed for
// the roles that may use it; the API still decides every call and its refusal is shown as it is.
import type { ReactElement } from 'react';
import type { Role } from './session';
import { Board } from './screens/board';
import { Incident } from './screens/incident';
import { DrillPage, Drills } from './screens/drills';
import { PlanDetail, Plans } from './screens/plans';
import { Compliance } from './screens/compliance';
import { Backups } from './screens/backups';
import { MyTasks } from './screens/tasks';
import { Alerts } from './screens/alerts';

export interface Screen {
  /** The route, under the console's hash (`#/incidents`). */
  path: string;
  /** The menu entry; absent for pages reached from another screen (an incident). */
  menu?: { zh: string; en: string };
  /** Who sees it in the menu (everyone when absent). */
  roles?: Role[];
  /** Only for people in at least one team (the tasks a team answers). */
  needsTeam?: boolean;
  element: ReactElement;
}

export const SCREENS: Screen[] = [
  { path: '/', menu: { zh: '态势', en: 'Live board' }, roles: ['commander', 'manager', 'admin', 'auditor'], element: <Board /> },
  { path: '/incidents/:id', element: <Incident /> },
  { path: '/tasks', menu: { zh: '我的任务', en: 'My tasks' }, needsTeam: true, element: <MyTasks /> },
  { path: '/alerts', menu: { zh: '告警', en: 'Alerts' }, roles: ['commander', 'manager', 'auditor', 'admin'], element: <Alerts /> },
  { path: '/plans', menu: { zh: '预案', en: 'Plans' }, element: <Plans /> },
  { path: '/plans/:id', element: <PlanDetail /> },
  { path: '/drills', menu: { zh: '演练', en: 'Drills' }, roles: ['manager', 'commander', 'auditor', 'admin'], element: <Drills /> },
  { path: '/drills/:id', element: <DrillPage /> },
  { path: '/compliance', menu: { zh: '合规与审计', en: 'Compliance' }, roles: ['auditor', 'manager', 'admin'], element: <Compliance /> },
  { path: '/backups', menu: { zh: '备份', en: 'Backups' }, roles: ['commander', 'admin', 'auditor'], element: <Backups /> },
];
