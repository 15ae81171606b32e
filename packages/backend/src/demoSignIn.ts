import { createBackendModule } from '@backstage/backend-plugin-api';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/** The header the demo sign-in page sends with the chosen person's user name. */
export const DEMO_USER_HEADER = 'x-pulse-demo-user';

const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * The demo portal's "sign in as" provider (`auth.providers.demo`): whoever opens the portal picks
 * one of the catalog's people, so that the demo shows what each of them may see and do. It trusts
 * the browser entirely — like the guest provider, it is for a demo on one's own machine, and it
 * refuses to start outside development unless `dangerouslyAllowOutsideDevelopment` is set.
 */
export const demoPeopleAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async (result: { userName: string }) => ({
    profile: { displayName: result.userName },
  }),
  initialize({ config }) {
    const allowed =
      process.env.NODE_ENV === 'development' ||
      config.getOptionalBoolean('dangerouslyAllowOutsideDevelopment') === true;
    if (!allowed) {
      throw new NotAllowedError(
        "The demo sign-in provider (auth.providers.demo) lets anyone sign in as anyone; it runs only in development, or with 'dangerouslyAllowOutsideDevelopment: true'",
      );
    }
    return undefined;
  },
  async authenticate({ req }) {
    const userName = req.header(DEMO_USER_HEADER);
    if (!userName || !USER_NAME.test(userName)) {
      throw new AuthenticationError(
        `Choose a person to sign in as (the ${DEMO_USER_HEADER} header names a catalog user)`,
      );
    }
    return { result: { userName } };
  },
});

export default createBackendModule({
  pluginId: 'auth',
  moduleId: 'demo-people',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'demo',
          factory: createProxyAuthProviderFactory({
            authenticator: demoPeopleAuthenticator,
            async signInResolver(info, ctx) {
              return ctx.signInWithCatalogUser({
                entityRef: { kind: 'user', name: info.result.userName },
              });
            },
          }),
        });
      },
    });
  },
});
