import pulsePlugin from '../alpha';

/**
 * The new-frontend plugin with its entity cards but without its "Pulse" tab, which renders the same
 * cards again (and `createTestEntityPage` renders a single tab beside the cards), and without the
 * overview card, which asks for the same data again.
 */
export const pulseCardsOnly = pulsePlugin.withOverrides({
  extensions: [
    pulsePlugin
      .getExtension('entity-content:pulse/pulse')
      .override({ disabled: true }),
    pulsePlugin
      .getExtension('entity-card:pulse/overview')
      .override({ disabled: true }),
  ],
});
