import { z } from 'zod';

export const Id = z.uuid({ message: 'must be a UUID' });
export type Id = z.infer<typeof Id>;

export const Timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/** A human-facing name: trimmed, not empty, bounded. */
export const DisplayName = z.string().trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters');

/** E.164: a plus sign, then 2 to 15 digits, the first not zero. */
export const E164 = z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 phone number such as +14155550100');

/** BCP 47 language tag, e.g. `en`, `en-US`, `ru-RU`. */
export const LanguageTag = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en-US');

export const HttpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(2048, 'must be at most 2048 characters');

export const Cursor = z.string().max(512);

/** Query parameters shared by every list endpoint. */
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: Cursor.optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: Cursor.nullable() });
}
