// What other parts of Yingji (the stack, the CLI, tests) use from the local IM robot server.
export { DEFAULT_IM_ROBOTS_PORT, deploymentRobotEnv, imRobotsConfig, imRobotsDir, OWN_ROBOT_SETTINGS, ROBOT_KINDS, robotServerEnv, robotsForRun, robotUrl } from './config';
export type { ImRobot, ImRobotsConfig, RobotKind } from './config';
export { startImRobots } from './server';
export type { RunningImRobots } from './server';
export { listRobotMessages, listRobotRefusals, messagesFile, refusalsFile } from './store';
export type { RobotMessage, RobotRefusal } from './store';
