import {
  getCompoundEntityRef,
  Entity,
  parseEntityRef,
} from '@backstage/catalog-model';
import { Link, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type {
  MetricItem,
  MetricItemsKind,
} from '@pulse-oss/plugin-pulse-common';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { useEffect, useState } from 'react';
import { pulseApiRef } from '../../api';
import { formatDateTime } from '../../shared/time';
import { describeItem } from './figures';

const PAGE_SIZE = 50;

/** A member's name as a team's list shows it: `payments-api`, or `api:payments-api` for another kind. */
function memberName(entityRef: string): string {
  const ref = parseEntityRef(entityRef);
  const kind = ref.kind.toLocaleLowerCase('en-US');
  const namespace = ref.namespace === 'default' ? '' : `${ref.namespace}/`;
  return `${kind === 'component' ? '' : `${kind}:`}${namespace}${ref.name}`;
}

/** What one number counts: the items of a metric in the window, newest first, page by page. */
export function MetricItemsDialog(props: {
  entity: Entity;
  metric: MetricItemsKind;
  title: string;
  windowDays: number;
  onClose: () => void;
}) {
  const { entity, metric, title, windowDays, onClose } = props;
  const pulseApi = useApi(pulseApiRef);
  const [items, setItems] = useState<MetricItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error>();

  const load = async (after?: string) => {
    setLoading(true);
    try {
      const page = await pulseApi.getMetricItems(
        getCompoundEntityRef(entity),
        metric,
        {
          windowDays,
          cursor: after,
          limit: PAGE_SIZE,
        },
      );
      setItems(previous => (after ? [...previous, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [metric, windowDays]);

  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="md"
      aria-labelledby="pulse-metric-items-title"
    >
      <DialogTitle id="pulse-metric-items-title">
        {title} · last {windowDays} days
      </DialogTitle>
      <DialogContent dividers>
        {error && <ResponseErrorPanel error={error} />}
        {!error && items.length === 0 && !loading && (
          <Typography color="textSecondary">Nothing in this window.</Typography>
        )}
        <List dense>
          {items.map(item => {
            const line = describeItem(metric, item);
            return (
              <ListItem
                key={`${item.entityRefs?.join(',') ?? ''}:${item.key}`}
                divider
              >
                <ListItemText
                  primary={
                    line.href ? (
                      <Link to={line.href}>{line.primary}</Link>
                    ) : (
                      line.primary
                    )
                  }
                  secondary={`${formatDateTime(item.occurredAt)}${
                    line.secondary ? ` · ${line.secondary}` : ''
                  }${
                    item.entityRefs
                      ? ` · ${item.entityRefs.map(memberName).join(', ')}`
                      : ''
                  }`}
                />
                {line.measure && (
                  <Typography variant="body2">{line.measure}</Typography>
                )}
              </ListItem>
            );
          })}
        </List>
        {loading && <Progress />}
      </DialogContent>
      <DialogActions>
        {cursor && (
          <Button onClick={() => load(cursor)} disabled={loading}>
            Load more
          </Button>
        )}
        <Button onClick={onClose} color="primary">
          Close
        </Button>
      </DialogActions>
    </Dialog>
  );
}
