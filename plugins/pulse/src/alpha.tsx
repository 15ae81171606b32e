import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isPulseAvailable } from '@internal/plugin-pulse-common';
import { PulseClient, pulseApiRef } from './api';

const pulseApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: pulseApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new PulseClient({ discoveryApi, fetchApi }),
    }),
});

// Only for entities Pulse can track; others get no card rather than an empty state.
const pulseEntityStatusCard = EntityCardBlueprint.make({
  name: 'status',
  params: {
    filter: isPulseAvailable,
    loader: () =>
      import('./components/EntityPulseStatusCard').then(m => (
        <m.EntityPulseStatusCard />
      )),
  },
});

/** The Pulse plugin for apps on the new frontend system. */
export default createFrontendPlugin({
  pluginId: 'pulse',
  title: 'Pulse',
  info: { packageJson: () => import('../package.json') },
  extensions: [pulseApi, pulseEntityStatusCard],
});
