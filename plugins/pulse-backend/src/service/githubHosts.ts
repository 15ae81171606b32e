import { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { GithubHosts } from '../entities/describeTracking';

/** The GitHub hosts of `integrations.github` (github.com is always present). */
export function githubHostsFromConfig(config: Config): GithubHosts {
  const integrations = ScmIntegrations.fromConfig(config);
  return {
    htmlBaseUrl(host: string) {
      const integration = integrations.github.byHost(host);
      return integration ? `https://${integration.config.host}` : undefined;
    },
  };
}
