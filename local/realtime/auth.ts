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

/** A verifier for tokens signed with `jwtSecret` (the local stack's secret from ensureLocalKeys). */
export function createTokenVerifier(jwtSecret: string): TokenVerifier {
  const key = new TextEncoder().encode(jwtSecret);
  return {
    async verify(token) {
      if (token === undefined || token === '') return fail('InvalidJWTToken', 'No API key or access token was given');
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
    },
  };
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
