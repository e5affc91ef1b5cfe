import { CreateReadModels1763860000000 } from './1763860000000-create-read-models';
import { RunAnyPlan1763870000000 } from './1763870000000-run-any-plan';
import { BackupCatalog1763880000000 } from './1763880000000-backup-catalog';
import { IncidentFreeNotifications1763895000000 } from './1763895000000-incident-free-notifications';
import { Drills1763900000000 } from './1763900000000-drills';
import { SimulatedTokens1764000000000 } from './1764000000000-simulated-tokens';
import { TaskAttachments1764100000000 } from './1764100000000-task-attachments';
import { RobotPace1764200000000 } from './1764200000000-robot-pace';
import { AckLinks1764210000000 } from './1764210000000-ack-links';
import { Deliveries1764220000000 } from './1764220000000-deliveries';
import { Alerts1764300000000 } from './1764300000000-alerts';
import { Triage1764310000000 } from './1764310000000-triage';
import { TokenLastUsed1764400000000 } from './1764400000000-token-last-used';
import { AuditStreams1764500000000 } from './1764500000000-audit-streams';
import { RoutineTasks1764520000000 } from './1764520000000-routine-tasks';
import { ConsoleSessions1764600000000 } from './1764600000000-console-sessions';

/** Every migration, oldest first. A landed migration is never edited: add a new one. */
export const MIGRATIONS = [CreateReadModels1763860000000, RunAnyPlan1763870000000, BackupCatalog1763880000000, IncidentFreeNotifications1763895000000, Drills1763900000000, SimulatedTokens1764000000000, TaskAttachments1764100000000, RobotPace1764200000000, AckLinks1764210000000, Deliveries1764220000000, Alerts1764300000000, Triage1764310000000, TokenLastUsed1764400000000, AuditStreams1764500000000, RoutineTasks1764520000000, ConsoleSessions1764600000000];
