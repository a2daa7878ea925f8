import { describe, expect, it } from 'vitest';
import { brief, changedFields } from './audit-diff.ts';

describe('changedFields', () => {
  it('names the fields an update changed, not the ones it kept or the timestamp', () => {
    expect(
      changedFields(
        { name: 'A', language: 'en', llm: { model: 'x' }, updatedAt: '1' },
        { name: 'B', language: 'en', llm: { model: 'y' }, updatedAt: '2' },
      ),
    ).toEqual([
      { field: 'llm', before: { model: 'x' }, after: { model: 'y' } },
      { field: 'name', before: 'A', after: 'B' },
    ]);
  });

  it('treats a creation as every field added and a deletion as every field removed', () => {
    expect(changedFields(null, { name: 'A' })).toEqual([{ field: 'name', before: undefined, after: 'A' }]);
    expect(changedFields({ name: 'A' }, null)).toEqual([{ field: 'name', before: 'A', after: undefined }]);
  });
});

describe('brief', () => {
  it('shortens long values and marks absent ones', () => {
    expect(brief(undefined)).toBe('—');
    expect(brief('x'.repeat(200))).toHaveLength(118);
    expect(brief({ a: 1 })).toBe('{"a":1}');
  });
});
