import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { PulseClient, pulseApiRef } from './api';

/** The Pulse plugin for apps on the legacy frontend system. */
export const pulsePlugin = createPlugin({
  id: 'pulse',
  apis: [
    createApiFactory({
      api: pulseApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new PulseClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/** Entity card with the entity's linked GitHub repository and the health of that link. */
export const EntityPulseStatusCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityPulseStatusCard',
    component: {
      lazy: () =>
        import('./components/EntityPulseStatusCard').then(
          m => m.EntityPulseStatusCard,
        ),
    },
  }),
);
