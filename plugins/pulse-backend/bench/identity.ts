import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Router } from 'express';
import {
  CompactSign,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  JWK,
  KeyLike,
  SignJWT,
} from 'jose';

/*
 * The sign-in half of the portal's auth backend, for the benchmarks (as in
 * packages/backend/src/__testUtils__/identity.ts, which the authorization matrix uses): it
 * publishes its public key at `/api/auth/.well-known/jwks.json` and the users' ownership claims at
 * `/api/auth/v1/userinfo`, and mints user tokens of Backstage's own format (with the user identity
 * proof that plugin requests on a user's behalf carry). Everything that checks those tokens — the
 * auth and httpAuth services, the catalog, the permission backend, Pulse — is the real thing.
 */

const USER_TYP = 'vnd.backstage.user';
const LIMITED_TYP = 'vnd.backstage.limited-user';

export class BenchIdentityProvider {
  private constructor(
    private readonly key: { kid: string; privateKey: KeyLike; jwk: JWK },
    private readonly claims: Map<string, string[]>,
  ) {}

  /** `claims`: each user's ownership refs (the user and their groups). */
  static async create(claims: Record<string, string[]>) {
    const kid = 'pulse-bench-key';
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    return new BenchIdentityProvider(
      { kid, privateKey, jwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } },
      new Map(Object.entries(claims)),
    );
  }

  /** The auth plugin stand-in, to add to the backend. */
  plugin() {
    const jwk = this.key.jwk;
    const ownership = (sub: string) => this.ownership(sub);
    return createBackendPlugin({
      pluginId: 'auth',
      register(env) {
        env.registerInit({
          deps: { httpRouter: coreServices.httpRouter },
          async init({ httpRouter }) {
            const router = Router();
            router.get('/.well-known/jwks.json', (_req, res) => {
              res.json({ keys: [jwk] });
            });
            router.get('/v1/userinfo', (req, res) => {
              const token = (req.headers.authorization ?? '').replace(
                /^Bearer /,
                '',
              );
              const sub = String(decodeJwt(token).sub);
              res.json({ claims: { sub, ent: ownership(sub) } });
            });
            httpRouter.use(router);
            httpRouter.addAuthPolicy({
              path: '/.well-known',
              allow: 'unauthenticated',
            });
            httpRouter.addAuthPolicy({
              path: '/v1/userinfo',
              allow: 'unauthenticated',
            });
          },
        });
      },
    });
  }

  private ownership(userEntityRef: string): string[] {
    return this.claims.get(userEntityRef) ?? [userEntityRef];
  }

  /** A valid user token for `userEntityRef`, issued by the portal's auth backend at `issuer`. */
  async userToken(
    userEntityRef: string,
    options: { issuer: string; expiresInSeconds?: number },
  ): Promise<string> {
    const { key } = this;
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + (options.expiresInSeconds ?? 3600);
    const proof = await new CompactSign(
      new TextEncoder().encode(
        JSON.stringify({ sub: userEntityRef, iat, exp }),
      ),
    )
      .setProtectedHeader({ typ: LIMITED_TYP, alg: 'ES256', kid: key.kid })
      .sign(key.privateKey);
    return new SignJWT({
      ent: this.ownership(userEntityRef),
      uip: proof.split('.')[2],
    })
      .setProtectedHeader({ typ: USER_TYP, alg: 'ES256', kid: key.kid })
      .setIssuer(options.issuer)
      .setAudience('backstage')
      .setSubject(userEntityRef)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key.privateKey);
  }
}
