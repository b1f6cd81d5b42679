import { FIRST_VERSION, type Migration } from '../common/migrations';

/** The shapes this node's configuration has had, oldest first. */
export const migrations: readonly Migration[] = [FIRST_VERSION];
