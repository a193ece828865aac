/**
 * Workspace members: the roles each principal holds in a workspace, as the platform's members API
 * shapes them. Every change is one transaction that first moves the bindings' revision (taking
 * its lock, so changes happen one at a time and "the last Admin" is decided on current rows), and
 * the roles cache of every process then drops what it knew. Who may call these is the policy's
 * `members.read` / `members.write`; the doors ask before calling.
 */
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { LastAdminError, MemberAlreadyExistsError, MemberNotFoundError } from './errors.js';
import { WORKSPACE_ROLES, type WorkspaceRole } from './policy.js';
import * as repo from './repository.js';
import type { RoleBindingRow } from './tables.js';

const rolesSchema = z
  .array(z.enum(WORKSPACE_ROLES))
  .min(1, 'a member holds at least one role; remove the member to take every role away')
  .transform((roles) => WORKSPACE_ROLES.filter((role) => roles.includes(role)));

/** The body that adds a member: a principal (an email, a subject, or `*` for everyone) and its roles. */
export const workspaceMemberInput = z.object({
  principal: z.string().min(1).max(320).regex(/^\S+$/, 'must not contain spaces'),
  roles: rolesSchema.default(['Editor']),
});
export type WorkspaceMemberInput = z.input<typeof workspaceMemberInput>;

/** The body that replaces a member's roles. */
export const workspaceMemberUpdate = z.object({ roles: rolesSchema });

export interface WorkspaceMember {
  principal: string;
  /** In the order Viewer, Editor, Admin, JobRunner. */
  roles: WorkspaceRole[];
  /** When its earliest role still held was granted, and by whom. */
  grantedAt: Date;
  grantedBy: string;
}

export class MembersService {
  constructor(
    private readonly db: Database,
    /** Called after a change has committed. */
    private readonly onChanged: () => void = () => {},
  ) {}

  async list(workspace: string): Promise<WorkspaceMember[]> {
    const byPrincipal = new Map<string, RoleBindingRow[]>();
    for (const row of await repo.memberBindings(this.db, workspace)) {
      byPrincipal.set(row.principal, [...(byPrincipal.get(row.principal) ?? []), row]);
    }
    return [...byPrincipal.values()].map(toMember);
  }

  /** Adds a principal that is not yet a member. */
  add(workspace: string, input: WorkspaceMemberInput, grantedBy: string): Promise<WorkspaceMember> {
    const { principal, roles } = workspaceMemberInput.parse(input);
    return this.change(async (tx) => {
      if ((await repo.memberBindings(tx, workspace, principal)).length > 0) {
        throw new MemberAlreadyExistsError(workspace, principal);
      }
      const grantedAt = new Date();
      const rows = roles.map((role) => ({ workspace, principal, role, grantedAt, grantedBy }));
      await repo.insertBindings(tx, rows);
      return toMember(rows);
    });
  }

  /** Replaces a member's roles: roles it keeps keep their grant, new ones are granted now. */
  replaceRoles(
    workspace: string,
    principal: string,
    roles: WorkspaceRole[],
    grantedBy: string,
  ): Promise<WorkspaceMember> {
    const wanted = workspaceMemberUpdate.parse({ roles }).roles;
    return this.change(async (tx) => {
      const current = await this.currentRows(tx, workspace, principal);
      const dropped = current.filter((row) => !wanted.includes(row.role)).map((row) => row.role);
      if (dropped.includes('Admin')) await this.keepAnAdmin(tx, workspace, principal);
      await repo.deleteBindings(tx, workspace, principal, dropped);
      const grantedAt = new Date();
      const added = wanted
        .filter((role) => !current.some((row) => row.role === role))
        .map((role) => ({ workspace, principal, role, grantedAt, grantedBy }));
      await repo.insertBindings(tx, added);
      return toMember([...current.filter((row) => wanted.includes(row.role)), ...added]);
    });
  }

  /** Takes every role of a member away; returns what it held. */
  remove(workspace: string, principal: string): Promise<WorkspaceMember> {
    return this.change(async (tx) => {
      const current = await this.currentRows(tx, workspace, principal);
      const roles = current.map((row) => row.role);
      if (roles.includes('Admin')) await this.keepAnAdmin(tx, workspace, principal);
      await repo.deleteBindings(tx, workspace, principal, roles);
      return toMember(current);
    });
  }

  private async change<T>(apply: (tx: Database) => Promise<T>): Promise<T> {
    const result = await this.db.transaction(async (tx) => {
      await repo.bumpRevision(tx);
      return apply(tx);
    });
    this.onChanged();
    return result;
  }

  private async currentRows(tx: Database, workspace: string, principal: string) {
    const rows = await repo.memberBindings(tx, workspace, principal);
    if (rows.length === 0) throw new MemberNotFoundError(workspace, principal);
    return rows;
  }

  private async keepAnAdmin(tx: Database, workspace: string, principal: string) {
    if ((await repo.countAdmins(tx, workspace)) <= 1) throw new LastAdminError(workspace, principal);
  }
}

/** One principal's bindings as a member. */
function toMember(rows: RoleBindingRow[]): WorkspaceMember {
  const earliest = rows.reduce((a, b) => (b.grantedAt < a.grantedAt ? b : a));
  return {
    principal: earliest.principal,
    roles: WORKSPACE_ROLES.filter((role) => rows.some((row) => row.role === role)),
    grantedAt: earliest.grantedAt,
    grantedBy: earliest.grantedBy,
  };
}
