import { makeStyles } from '@material-ui/core/styles';
import { describeLiveState } from './liveState';
import { LiveInfo } from './useLiveData';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    fontSize: '0.75rem',
    color: theme.palette.text.secondary,
    whiteSpace: 'nowrap',
  },
  dot: {
    width: 8,
    height: 8,
    borderRadius: '50%',
    flexShrink: 0,
  },
  live: { backgroundColor: theme.palette.success.main },
  reconnecting: { backgroundColor: theme.palette.warning.main },
  polling: { backgroundColor: theme.palette.text.disabled },
  // Read by screen readers, not shown.
  hidden: {
    position: 'absolute',
    width: 1,
    height: 1,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  },
}));

/**
 * A view's live state: live, reconnecting, or polling (an app without signals). A polite live
 * region, so a screen reader tells when updates stop or resume without interrupting.
 */
export function LiveStatus(props: { live: LiveInfo }) {
  const classes = useStyles();
  const { label, description } = describeLiveState(props.live);
  return (
    <span
      role="status"
      className={classes.root}
      title={description}
      data-live-state={props.live.state}
    >
      <span
        aria-hidden
        className={`${classes.dot} ${classes[props.live.state]}`}
      />
      <span aria-hidden>{label}</span>
      <span className={classes.hidden}>{description}</span>
    </span>
  );
}
