import { parseEntityRef } from '@backstage/catalog-model';
import { Link } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { ActivityItem } from '@pulse-oss/plugin-pulse-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import { makeStyles } from '@material-ui/core/styles';
import BuildIcon from '@material-ui/icons/Build';
import CallSplitIcon from '@material-ui/icons/CallSplit';
import CloudUploadIcon from '@material-ui/icons/CloudUpload';
import MergeTypeIcon from '@material-ui/icons/MergeType';
import PhoneInTalkIcon from '@material-ui/icons/PhoneInTalk';
import ReportProblemIcon from '@material-ui/icons/ReportProblem';
import UpdateIcon from '@material-ui/icons/Update';
import { ReactNode, useState } from 'react';
import { formatDateTime, formatRelative } from '../../shared/time';
import {
  EntityRefOrText,
  useIncidentLinks,
  useOnCallLink,
} from '../oncallCommon';
import { FeedRow } from './feed';
import {
  ActivityIcon,
  ActivitySentence,
  ActivityTone,
  burstText,
} from './sentences';

const useStyles = makeStyles(theme => ({
  icon: { minWidth: theme.spacing(5) },
  ok: { color: theme.palette.success.main },
  error: { color: theme.palette.error.main },
  warning: { color: theme.palette.warning.main },
  pending: { color: theme.palette.info.main },
  neutral: { color: theme.palette.text.secondary },
  burst: { display: 'block' },
  burstItems: { paddingLeft: theme.spacing(5) },
  toggle: { marginLeft: theme.spacing(1), padding: theme.spacing(0, 1) },
}));

const ICONS: Record<ActivityIcon, typeof UpdateIcon> = {
  'pull-request': CallSplitIcon,
  merged: MergeTypeIcon,
  'workflow-run': BuildIcon,
  deployment: CloudUploadIcon,
  incident: ReportProblemIcon,
  oncall: PhoneInTalkIcon,
  other: UpdateIcon,
};

function SentenceIcon(props: { icon: ActivityIcon; tone: ActivityTone }) {
  const classes = useStyles();
  const Icon = ICONS[props.icon];
  return (
    <ListItemIcon className={classes.icon}>
      <Icon className={classes[props.tone]} fontSize="small" aria-hidden />
    </ListItemIcon>
  );
}

function When(props: { iso: string }) {
  return (
    <time dateTime={props.iso} title={formatDateTime(props.iso)}>
      {formatRelative(props.iso)}
    </time>
  );
}

function Subject(props: {
  sentence: ActivitySentence;
  subject: string;
  title?: string;
}) {
  const { sentence, subject, title } = props;
  const incidentLink = useIncidentLinks().incident;
  const onCallLink = useOnCallLink();
  const text = (
    <>
      {subject}
      {title && (
        <>
          {' '}
          <em>{title}</em>
        </>
      )}
    </>
  );
  const link = sentence.link;
  let to: string | undefined;
  if (link?.kind === 'external') {
    to = link.href;
  } else if (link?.kind === 'incident') {
    to = incidentLink?.(link.id);
  } else if (link?.kind === 'oncall') {
    to = onCallLink;
  }
  return to ? <Link to={to}>{text}</Link> : text;
}

/** A sentence with its subject linked, people as their catalog names and instants in the viewer's locale. */
export function Sentence(props: { sentence: ActivitySentence }) {
  const { sentence } = props;
  return (
    <>
      {sentence.parts.map((part, index) => {
        if (typeof part === 'string') {
          return <span key={index}>{part}</span>;
        }
        if ('subject' in part) {
          return (
            <Subject
              key={index}
              sentence={sentence}
              subject={part.subject}
              title={part.title}
            />
          );
        }
        if ('actor' in part) {
          return <EntityRefOrText key={index} value={part.actor} />;
        }
        return (
          <time key={index} dateTime={part.time}>
            {formatDateTime(part.time)}
          </time>
        );
      })}
    </>
  );
}

function entityOf(item: ActivityItem): ReactNode {
  try {
    return (
      <EntityRefLink entityRef={parseEntityRef(item.entityRef)} hideIcon />
    );
  } catch {
    return item.entityRef;
  }
}

function Secondary(props: {
  item: ActivityItem;
  detail?: string;
  showEntity: boolean;
}) {
  const { item, detail, showEntity } = props;
  return (
    <>
      {showEntity && <>{entityOf(item)} · </>}
      <When iso={item.occurredAt} />
      {detail && <> · {detail}</>}
    </>
  );
}

function BurstRow(props: {
  row: Extract<FeedRow, { kind: 'burst' }>;
  showEntity: boolean;
}) {
  const { row, showEntity } = props;
  const classes = useStyles();
  const [open, setOpen] = useState(false);
  const first = row.items[0];
  const last = row.items[row.items.length - 1];
  const text = burstText(row.burst, row.items.length);
  const id = `pulse-activity-burst-${first.item.id}`;
  return (
    <ListItem divider className={classes.burst}>
      <Box display="flex" alignItems="center">
        <SentenceIcon icon={first.sentence.icon} tone={first.sentence.tone} />
        <ListItemText
          primary={
            <>
              {text}
              <Button
                size="small"
                className={classes.toggle}
                aria-expanded={open}
                aria-controls={id}
                aria-label={open ? `Hide the ${text}` : `Show the ${text}`}
                onClick={() => setOpen(!open)}
              >
                {open ? 'Hide' : 'Show'}
              </Button>
            </>
          }
          secondary={
            <>
              <When iso={last.item.occurredAt} /> to{' '}
              <When iso={first.item.occurredAt} />
            </>
          }
        />
      </Box>
      {open && (
        <List
          id={id}
          dense
          disablePadding
          className={classes.burstItems}
          aria-label={text}
        >
          {row.items.map(({ item, sentence }) => (
            <ListItem key={item.id}>
              <SentenceIcon icon={sentence.icon} tone={sentence.tone} />
              <ListItemText
                primary={<Sentence sentence={sentence} />}
                secondary={
                  <Secondary
                    item={item}
                    detail={sentence.detail}
                    showEntity={showEntity}
                  />
                }
              />
            </ListItem>
          ))}
        </List>
      )}
    </ListItem>
  );
}

/** The rows of an activity feed: a sentence per item, bursts as one sentence that opens to its items. */
export function ActivityFeed(props: {
  rows: FeedRow[];
  /** Name the entity of each item: a team's feed covers several. */
  showEntity: boolean;
}) {
  const { rows, showEntity } = props;
  return (
    <Box>
      <List dense disablePadding aria-label="Activity">
        {rows.map(row =>
          row.kind === 'burst' ? (
            <BurstRow
              key={`burst-${row.items[0].item.id}`}
              row={row}
              showEntity={showEntity}
            />
          ) : (
            <ListItem key={row.item.id} divider>
              <SentenceIcon icon={row.sentence.icon} tone={row.sentence.tone} />
              <ListItemText
                primary={<Sentence sentence={row.sentence} />}
                secondary={
                  <Secondary
                    item={row.item}
                    detail={row.sentence.detail}
                    showEntity={showEntity}
                  />
                }
              />
            </ListItem>
          ),
        )}
      </List>
    </Box>
  );
}
