/** The access model's SQL, through Drizzle. Functions take the database or a transaction. */
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { EVERYONE, type RoleBinding, type WorkspaceRole } from './policy.js';
import { roleBindings, roleBindingsRevision, type RoleBindingRow } from './tables.js';

/** The bindings that apply to `principal` (its own and `*`'s), in one workspace or in all. */
export async function bindingsFor(
  db: Database,
  principal: string,
  workspace?: string,
): Promise<RoleBinding[]> {
  const applies = inArray(roleBindings.principal, [principal, EVERYONE]);
  return db
    .select({ workspace: roleBindings.workspace, principal: roleBindings.principal, role: roleBindings.role })
    .from(roleBindings)
    .where(workspace === undefined ? applies : and(applies, eq(roleBindings.workspace, workspace)));
}

/** A workspace's bindings, for one principal or all, grouped by principal. */
export async function memberBindings(
  db: Database,
  workspace: string,
  principal?: string,
): Promise<RoleBindingRow[]> {
  const inWorkspace = eq(roleBindings.workspace, workspace);
  return db
    .select()
    .from(roleBindings)
    .where(principal === undefined ? inWorkspace : and(inWorkspace, eq(roleBindings.principal, principal)))
    .orderBy(asc(roleBindings.principal), asc(roleBindings.grantedAt));
}

export async function insertBindings(db: Database, rows: RoleBindingRow[]): Promise<void> {
  if (rows.length > 0) await db.insert(roleBindings).values(rows);
}

export async function deleteBindings(
  db: Database,
  workspace: string,
  principal: string,
  roles: WorkspaceRole[],
): Promise<void> {
  if (roles.length === 0) return;
  await db
    .delete(roleBindings)
    .where(
      and(
        eq(roleBindings.workspace, workspace),
        eq(roleBindings.principal, principal),
        inArray(roleBindings.role, roles),
      ),
    );
}

export async function countAdmins(db: Database, workspace: string): Promise<number> {
  const [counted] = await db
    .select({ admins: count() })
    .from(roleBindings)
    .where(and(eq(roleBindings.workspace, workspace), eq(roleBindings.role, 'Admin')));
  return counted?.admins ?? 0;
}

/** The revision of all role bindings; 0 before the first change. */
export async function readRevision(db: Database): Promise<number> {
  const [row] = await db
    .select({ revision: roleBindingsRevision.revision })
    .from(roleBindingsRevision)
    .where(eq(roleBindingsRevision.id, 1));
  return row?.revision ?? 0;
}

/**
 * Moves the revision on, inside the transaction that changes bindings. It takes the revision
 * row's lock, so it comes first: concurrent changes then see each other's results.
 */
export async function bumpRevision(db: Database): Promise<void> {
  await db
    .insert(roleBindingsRevision)
    .values({ id: 1, revision: 1 })
    .onConflictDoUpdate({
      target: roleBindingsRevision.id,
      set: { revision: sql`${roleBindingsRevision.revision} + 1` },
    });
}
