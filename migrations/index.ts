import type { MigrationInterface } from 'typeorm';
import { Tenancy1795700000000 } from './1795700000000-tenancy';
import { Attestations1795700000001 } from './1795700000001-attestations';

/** Every migration in order. A generated migration is added here by hand (a test checks none is missing). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [Tenancy1795700000000, Attestations1795700000001];
