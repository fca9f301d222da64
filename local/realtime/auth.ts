// Verifies the JWT a subscriber presents (the `apikey` query parameter or a join's `access_token`): HS256
// signed with the local secret, with `role` and `exp` claims; the verified claims decide what it may see.
import { errors, jwtVerify } from 'jose';
import type { Viewer } from './authorizer.ts';
import { fail, ok, type Result } from './protocol.ts';

export interface VerifiedToken {
  viewer: Viewer;
  /** Equal for equal claims: subscribers with one key are authorized together. */
  viewerKey: string;
  /** When the token stops being valid, in epoch ms. */
  expiresAt: number;
}

export interface TokenVerifier {
  verify(token: string | undefined): Promise<Result<VerifiedToken>>;
}

/** Verified tokens remembered, so that sockets presenting one token share one VerifiedToken. */
const MAX_REMEMBERED_TOKENS = 1_000;

/** A verifier for tokens signed with `jwtSecret` (the local stack's secret from ensureLocalKeys). */
export function createTokenVerifier(jwtSecret: string): TokenVerifier {
  const key = new TextEncoder().encode(jwtSecret);
  // Thousands of sockets join with the same apikey, many at once: one verification and one viewer
  // (claims, key) for all of them, not one each. Refusals are not remembered.
  const remembered = new Map<string, Promise<Result<VerifiedToken>>>();
  return {
    async verify(token) {
      if (token === undefined || token === '') return fail('InvalidJWTToken', 'No API key or access token was given');
      let verified = remembered.get(token);
      if (!verified) {
        if (remembered.size >= MAX_REMEMBERED_TOKENS) remembered.delete(remembered.keys().next().value!);
        remembered.set(token, (verified = verifyToken(token, key)));
      }
      const result = await verified;
      // jose's own test, in whole seconds: a token that has expired since is verified again, for its error.
      if (result.ok && result.value.expiresAt / 1000 > Math.floor(Date.now() / 1000)) return result;
      if (remembered.get(token) === verified) remembered.delete(token);
      return result.ok ? verifyToken(token, key) : result;
    },
  };
}

async function verifyToken(token: string, key: Uint8Array): Promise<Result<VerifiedToken>> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    if (typeof payload.role !== 'string' || typeof payload.exp !== 'number') {
      return fail('InvalidJWTToken', 'Fields `role` and `exp` are required in JWT');
    }
    const claims: Record<string, unknown> = { ...payload };
    return ok({ viewer: { role: payload.role, claims }, viewerKey: JSON.stringify(claims), expiresAt: payload.exp * 1000 });
  } catch (error) {
    return fail(...describeFailure(error));
  }
}

/** The real server's codes for each way a token fails (RealtimeWeb.RealtimeChannel.join/3). */
function describeFailure(error: unknown): [code: string, message: string] {
  if (error instanceof errors.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? error.payload.exp : 0;
    return ['InvalidJWTToken', `Token has expired ${Math.max(0, Math.floor(Date.now() / 1000) - exp)} seconds ago`];
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return ['JwtSignatureError', 'Failed to validate JWT signature'];
  if (error instanceof errors.JOSEAlgNotAllowed) return ['JwtSignatureError', `Failed to validate JWT signature: ${error.message}`];
  if (error instanceof errors.JWTClaimValidationFailed) return ['InvalidJWTToken', `Token claim "${error.claim}" is not valid: ${error.message}`];
  return ['MalformedJWT', 'The token provided is not a valid JWT'];
}
