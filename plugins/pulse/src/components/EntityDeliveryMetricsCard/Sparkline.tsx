import type { MetricDayPoint } from '@pulse-oss/plugin-pulse-common';
import { useTheme } from '@material-ui/core/styles';
import { Bar, BarChart, Tooltip, YAxis } from 'recharts';

/**
 * A key's daily trend as small bars of fixed size (no layout shift), with a tooltip per day and a
 * text summary for screen readers.
 */
export function Sparkline(props: {
  series: MetricDayPoint[];
  label: string;
  format: (value: number) => string;
}) {
  const { series, label, format } = props;
  const theme = useTheme();
  const days = series.filter(point => point.value !== null);
  const summary =
    days.length === 0
      ? `${label}: no data in this window`
      : `${label}: ${days
          .map(point => `${point.day} ${format(point.value!)}`)
          .join('; ')}`;
  return (
    <figure
      role="img"
      aria-label={summary}
      style={{ margin: 0, width: 160, height: 36 }}
    >
      <BarChart
        width={160}
        height={36}
        data={series.map(point => ({ ...point, value: point.value ?? 0 }))}
        margin={{ top: 2, right: 0, bottom: 0, left: 0 }}
      >
        <YAxis hide domain={[0, 'auto']} />
        <Tooltip
          cursor={{ fill: theme.palette.action.hover }}
          formatter={(value: unknown) => [format(Number(value)), label]}
          labelFormatter={(_, payload) =>
            (payload?.[0]?.payload as MetricDayPoint | undefined)?.day ?? ''
          }
        />
        <Bar
          dataKey="value"
          fill={theme.palette.primary.main}
          isAnimationActive={false}
        />
      </BarChart>
    </figure>
  );
}
