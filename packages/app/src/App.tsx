import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import pulsePlugin from '@pulse-oss/plugin-pulse/alpha';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

// The other plugins in package.json are discovered through `app.packages: all`;
// catalog and Pulse are listed so the entity page and its Pulse card exist even without discovery.
export default createApp({
  features: [catalogPlugin, pulsePlugin, navModule, signInModule],
});
