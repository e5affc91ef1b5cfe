import { CreateReadModels1763860000000 } from './1763860000000-create-read-models';

/** Every migration, oldest first. A landed migration is never edited: add a new one. */
export const MIGRATIONS = [CreateReadModels1763860000000];
