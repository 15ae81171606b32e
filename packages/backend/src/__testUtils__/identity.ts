import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Router } from 'express';
import {
  CompactSign,
  exportJWK,
  generateKeyPair,
  JWK,
  KeyLike,
  SignJWT,
  decodeJwt,
} from 'jose';

const USER_TYP = 'vnd.backstage.user';
const LIMITED_TYP = 'vnd.backstage.limited-user';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { kid, privateKey, jwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

/**
 * A stand-in for the auth backend that signs users in: it publishes its public key at
 * `/api/auth/.well-known/jwks.json` and the users' ownership claims at `/api/auth/v1/userinfo`,
 * and mints user tokens of Backstage's own format (with the user identity proof that plugin
 * requests on a user's behalf need). Everything that checks those tokens — the auth and httpAuth
 * services, the catalog, the permission backend, Pulse — is the real thing.
 */
export class TestIdentityProvider {
  private constructor(
    private readonly key: SigningKey,
    private readonly otherKey: SigningKey,
    private readonly claims: Map<string, string[]>,
  ) {}

  static async create(claims: Record<string, string[]>) {
    return new TestIdentityProvider(
      await signingKey('pulse-test-key'),
      await signingKey('someone-elses-key'),
      new Map(Object.entries(claims)),
    );
  }

  /** The auth plugin stand-in, to add to the test backend. */
  plugin() {
    const provider = this;
    return createBackendPlugin({
      pluginId: 'auth',
      register(env) {
        env.registerInit({
          deps: { httpRouter: coreServices.httpRouter },
          async init({ httpRouter }) {
            const router = Router();
            router.get('/.well-known/jwks.json', (_req, res) => {
              res.json({ keys: [provider.key.jwk] });
            });
            router.get('/v1/userinfo', (req, res) => {
              const token = (req.headers.authorization ?? '').replace(
                /^Bearer /,
                '',
              );
              const sub = String(decodeJwt(token).sub);
              res.json({ claims: { sub, ent: provider.ownership(sub) } });
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

  ownership(userEntityRef: string): string[] {
    return this.claims.get(userEntityRef) ?? [userEntityRef];
  }

  /** A valid user token for `userEntityRef`, issued by the portal's auth backend. */
  async userToken(
    userEntityRef: string,
    options: { issuer: string; expiresInSeconds?: number; foreign?: boolean },
  ): Promise<string> {
    const key = options.foreign ? this.otherKey : this.key;
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

  /** A token signed with the portal's key and then altered: its signature no longer matches. */
  async forgedToken(userEntityRef: string, issuer: string): Promise<string> {
    const token = await this.userToken(userEntityRef, { issuer });
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(
      JSON.stringify({
        ...decodeJwt(token),
        sub: 'user:default/amelia.chen',
        ent: ['user:default/amelia.chen', 'group:default/platform'],
      }),
    ).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }
}
