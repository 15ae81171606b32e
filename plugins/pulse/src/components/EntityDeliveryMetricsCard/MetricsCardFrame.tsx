import { Entity } from '@backstage/catalog-model';
import { InfoCard } from '@backstage/core-components';
import type {
  EntityDeliveryMetrics,
  MetricItemsKind,
} from '@pulse-oss/plugin-pulse-common';
import { ReactNode } from 'react';
import { LiveData, LiveStatus } from '../../live';
import { CardBody } from '../../shared';
import { WindowToggle } from './KeyTileGrid';
import { MetricItemsDialog } from './MetricItemsDialog';

/** The drill-down a metrics card has open: which items, under which title. */
export interface MetricsDrill {
  metric: MetricItemsKind;
  title: string;
}

/**
 * What every delivery metrics card shares: its title, live state and window selector, the
 * not-found, error and loading states (`CardBody`), and the drill-down dialog. `children` renders the figures.
 */
export function MetricsCardFrame(props: {
  entity: Entity;
  data: LiveData<EntityDeliveryMetrics>;
  windowDays: number | undefined;
  onWindowChange: (days: number) => void;
  drill: MetricsDrill | undefined;
  onDrillClose: () => void;
  children: (metrics: EntityDeliveryMetrics) => ReactNode;
}) {
  const { entity, data, drill } = props;
  const metrics = data.value;

  const shownDays = metrics?.window.days ?? props.windowDays;
  return (
    <InfoCard
      title="Delivery metrics"
      subheader={<LiveStatus live={data.live} />}
      action={
        metrics && (
          <WindowToggle
            windows={metrics.windows}
            value={shownDays}
            onChange={props.onWindowChange}
          />
        )
      }
    >
      <CardBody
        value={metrics}
        error={data.error}
        notFoundTitle="No delivery metrics"
      >
        {props.children}
      </CardBody>
      {drill && shownDays && (
        <MetricItemsDialog
          entity={entity}
          metric={drill.metric}
          title={drill.title}
          windowDays={shownDays}
          onClose={props.onDrillClose}
        />
      )}
    </InfoCard>
  );
}
