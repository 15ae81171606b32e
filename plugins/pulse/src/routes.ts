import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

// Legacy route refs also carry the new frontend system's RouteRef shape, so one set serves both.

/**
 * Route of the incidents page.
 *
 * @public
 */
export const incidentsRouteRef = createRouteRef({ id: 'pulse:incidents' });

/**
 * Route of one incident's detail view, below the incidents page.
 *
 * @public
 */
export const incidentRouteRef = createSubRouteRef({
  id: 'pulse:incident',
  parent: incidentsRouteRef,
  path: '/:id',
});

/**
 * Route of the on-call page.
 *
 * @public
 */
export const onCallRouteRef = createRouteRef({ id: 'pulse:oncall' });
