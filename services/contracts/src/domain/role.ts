import { z } from 'zod';

/** Roles within one space, weakest first. */
export const ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** True when `role` grants at least what `required` grants. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
