import type {
  DoraLevel,
  EntityDeliveryMetrics,
  MetricItemsKind,
} from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import ToggleButton from '@material-ui/lab/ToggleButton';
import ToggleButtonGroup from '@material-ui/lab/ToggleButtonGroup';
import { makeStyles } from '@material-ui/core/styles';
import { KeyTile, keyTiles, LEVEL_LABELS } from './figures';
import { Sparkline } from './Sparkline';

/** White text on each passes WCAG AA contrast. */
export const LEVEL_COLOURS: Record<DoraLevel, string> = {
  elite: '#1b5e20',
  high: '#0d47a1',
  medium: '#8a5300',
  low: '#b71c1c',
};

const useStyles = makeStyles(theme => ({
  tile: {
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(1.5),
    height: '100%',
  },
  value: {
    fontSize: '1.6rem',
    fontWeight: 600,
    lineHeight: 1.3,
    textTransform: 'none',
    padding: theme.spacing(0.25, 0.5),
    marginLeft: theme.spacing(-0.5),
  },
}));

function LevelChip(props: { tile: KeyTile; year: number }) {
  const { tile, year } = props;
  if (!tile.level) {
    return (
      <>
        <Chip size="small" variant="outlined" label="Not enough data" />
        <Typography variant="caption" color="textSecondary" component="p">
          {tile.noLevel ?? 'No value in this window'}
        </Typography>
      </>
    );
  }
  return (
    <Chip
      size="small"
      label={`${LEVEL_LABELS[tile.level]} · DORA ${year}`}
      style={{ backgroundColor: LEVEL_COLOURS[tile.level], color: '#fff' }}
    />
  );
}

/** The four keys, each with its band, daily trend and a button opening what it counts. */
export function KeyTileGrid(props: {
  metrics: EntityDeliveryMetrics;
  open: (metric: MetricItemsKind, title: string) => void;
}) {
  const { metrics, open } = props;
  const classes = useStyles();
  return (
    <Grid container spacing={2}>
      {keyTiles(metrics).map(tile => (
        <Grid item xs={12} sm={6} lg={3} key={tile.id}>
          <Box className={classes.tile}>
            <Typography variant="subtitle2" component="h3">
              {tile.title}
            </Typography>
            <Button
              className={classes.value}
              onClick={() => open(tile.drill.metric, tile.drill.label)}
              aria-label={`${tile.title}: ${
                tile.value
              }. Show ${tile.drill.label.toLowerCase()}`}
            >
              {tile.value}
            </Button>
            <Box my={0.5}>
              <LevelChip tile={tile} year={metrics.bands.year} />
            </Box>
            <Sparkline
              series={tile.series}
              label={tile.seriesLabel}
              format={tile.formatPoint}
            />
            <Typography variant="caption" color="textSecondary" component="p">
              {tile.detail}
            </Typography>
          </Box>
        </Grid>
      ))}
    </Grid>
  );
}

/** The window selector of a metrics card. */
export function WindowToggle(props: {
  windows: number[];
  value: number | undefined;
  onChange: (days: number) => void;
}) {
  const { windows, value, onChange } = props;
  return (
    <ToggleButtonGroup
      size="small"
      exclusive
      value={value}
      aria-label="Window"
      onChange={(_, days) => days && onChange(days)}
    >
      {windows.map(days => (
        <ToggleButton key={days} value={days} aria-label={`Last ${days} days`}>
          {days}d
        </ToggleButton>
      ))}
    </ToggleButtonGroup>
  );
}
