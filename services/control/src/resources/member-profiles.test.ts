import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from '../testing/harness.ts';

/**
 * A user's profile comes only from their own token; what an admin types when adding a member
 * stays on that membership, so one space cannot change what another space sees, nor learn a
 * user's address by adding them.
 */
describe(`members' addresses stay in their space (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded'})`, () => {
  let t: TestControl;
  let alice: string;
  let mallory: string;
  let spaceA: string;
  let spaceB: string;

  beforeAll(async () => {
    t = await startTestControl();
    alice = await t.userToken('alice-profile', { email: 'alice@clinic.example' });
    mallory = await t.userToken('mallory-profile', { email: 'mallory@evil.example' });
    spaceA = (await t.request('POST', '/api/v1/spaces', { token: alice, body: { name: 'A' } })).body.id;
    spaceB = (await t.request('POST', '/api/v1/spaces', { token: mallory, body: { name: 'B' } })).body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const members = async (token: string, spaceId: string) =>
    (await t.request('GET', `/api/v1/spaces/${spaceId}/members`, { token })).body.items as Array<{
      subject: string;
      email: string | null;
    }>;

  it('shows the creator with the address of their own token', async () => {
    expect(await members(alice, spaceA)).toEqual([
      expect.objectContaining({ subject: 'alice-profile', email: 'alice@clinic.example', role: 'owner' }),
    ]);
  });

  it("does not let another space overwrite the address space A sees, nor read the user's own", async () => {
    // Xavier signs in himself: his token's address is his profile.
    await t.request('GET', '/api/v1/spaces', { token: await t.userToken('xavier', { email: 'x@real.example' }) });
    const inA = await t.request('POST', `/api/v1/spaces/${spaceA}/members`, {
      token: alice,
      body: { subject: 'xavier', email: 'xavier@clinic.example', role: 'viewer' },
    });
    expect(inA.body.email).toBe('xavier@clinic.example');

    const overwrite = await t.request('POST', `/api/v1/spaces/${spaceB}/members`, {
      token: mallory,
      body: { subject: 'xavier', email: 'attacker@evil.example', role: 'viewer' },
    });
    expect(overwrite.status).toBe(201);
    expect(overwrite.body.email).toBe('attacker@evil.example');
    expect((await members(alice, spaceA)).find((m) => m.subject === 'xavier')?.email).toBe('xavier@clinic.example');

    const { rows } = await t.database.pool.query('SELECT email FROM users WHERE subject = $1', ['xavier']);
    expect(rows[0].email).toBe('x@real.example');
  });

  it("adding a member by subject alone does not reveal the user's address", async () => {
    await t.request('GET', '/api/v1/spaces', { token: await t.userToken('yvonne', { email: 'y@private.example' }) });
    const added = await t.request('POST', `/api/v1/spaces/${spaceB}/members`, {
      token: mallory,
      body: { subject: 'yvonne', role: 'viewer' },
    });
    expect(added.status).toBe(201);
    expect(added.body.email).toBeNull();
    expect(JSON.stringify(await members(mallory, spaceB))).not.toContain('y@private.example');
  });
});
