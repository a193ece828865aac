/** The access model's tables: who holds which role in which workspace. */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { WorkspaceRole } from './policy.js';

/**
 * One role of one principal (an email, a subject, or `*` for every authenticated principal) in
 * one workspace. A workspace member is the set of its rows for one principal.
 */
export const roleBindings = pgTable(
  'role_bindings',
  {
    workspace: text('workspace').notNull(),
    principal: text('principal').notNull(),
    role: text('role').$type<WorkspaceRole>().notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true, mode: 'date' }).notNull(),
    grantedBy: text('granted_by').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspace, t.principal, t.role] }),
    // Listings across workspaces look a principal's bindings up by principal.
    index('role_bindings_principal_idx').on(t.principal, t.workspace),
  ],
);

/**
 * One row, bumped in every transaction that changes role bindings. Each gateway process caches
 * roles and compares this number now and then to know when its cache went stale; writers take
 * its row lock first, so changes to members happen one at a time.
 */
export const roleBindingsRevision = pgTable(
  'role_bindings_revision',
  {
    id: integer('id').primaryKey(),
    revision: bigint('revision', { mode: 'number' }).notNull(),
  },
  (t) => [check('role_bindings_revision_one_row', sql`${t.id} = 1`)],
);

export type RoleBindingRow = typeof roleBindings.$inferSelect;
