import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signRoleKey } from '../keys.ts';
import { createTokenVerifier } from './auth.ts';
import { signToken, TEST_SECRET } from './test-kit.ts';

const verifier = createTokenVerifier(TEST_SECRET);

async function failureOf(token: string | undefined): Promise<string> {
  const result = await verifier.verify(token);
  return result.ok ? 'verified' : `${result.error.code}: ${result.error.message}`;
}

describe('createTokenVerifier', () => {
  it('accepts the local stack\'s API keys, the role claim naming the viewer', async () => {
    const anonKey = await signRoleKey(TEST_SECRET, 'anon');
    const result = await verifier.verify(anonKey);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.viewer).toEqual({ role: 'anon', claims: expect.objectContaining({ role: 'anon', iss: 'supabase-local' }) });
    expect(result.value.expiresAt).toBe((result.value.viewer.claims.exp as number) * 1000);
  });

  it('gives equal viewer keys to equal claims and different keys to different ones', async () => {
    const anonKey = await signRoleKey(TEST_SECRET, 'anon');
    const [a, b, service] = await Promise.all([verifier.verify(anonKey), verifier.verify(anonKey), verifier.verify(await signRoleKey(TEST_SECRET, 'service_role'))]);
    const keys = [a, b, service].map((result) => (result.ok ? result.value.viewerKey : ''));
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).not.toBe(keys[2]);
  });

  it.each([
    ['no token', async () => undefined, /^InvalidJWTToken: /],
    ['an empty token', async () => '', /^InvalidJWTToken: /],
    ['a token that is not a JWT', async () => 'anon-key', /^MalformedJWT: The token provided is not a valid JWT$/],
    ['three parts that are not JSON', async () => 'a.b.c', /^MalformedJWT: /],
    ['a token signed with another secret', () => signToken({ role: 'anon' }, { secret: 'another-secret-0123456789abcdef' }), /^JwtSignatureError: Failed to validate JWT signature$/],
    ['an expired token', () => signToken({ role: 'anon' }, { expiresIn: -60 }), /^InvalidJWTToken: Token has expired 6\d seconds ago$/],
    ['a token without a role', () => signToken({ sub: 'someone' }), /^InvalidJWTToken: Fields `role` and `exp` are required in JWT$/],
    ['a token without an expiry', () => new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_SECRET)), /^InvalidJWTToken: Fields `role` and `exp`/],
    ['a token signed with HS512', () => new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('1h').sign(new TextEncoder().encode(TEST_SECRET)), /^JwtSignatureError: /],
    ['an unsigned token', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"role":"service_role","exp":9999999999}').toString('base64url')}.`, /^(JwtSignatureError|MalformedJWT): /],
    ['a token not valid yet', () => new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).setNotBefore('1h').setExpirationTime('2h').sign(new TextEncoder().encode(TEST_SECRET)), /^InvalidJWTToken: Token claim "nbf"/],
  ])('refuses %s with the real server\'s reason code', async (_, makeToken, reason) => {
    expect(await failureOf(await makeToken())).toMatch(reason);
  });
});
