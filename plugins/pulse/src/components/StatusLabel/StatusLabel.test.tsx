import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { StatusLabel } from './StatusLabel';

describe('StatusLabel', () => {
  it('shows the icon of its kind and keeps the label readable by screen readers', async () => {
    await renderInTestApp(<StatusLabel kind="ok">Checks passed</StatusLabel>);
    const label = screen.getByText('Checks passed');
    expect(label.closest('[aria-hidden="true"]')).toBeNull();
    expect(label).toHaveStyle({ whiteSpace: 'nowrap', display: 'inline-flex' });
    expect(screen.getByTestId('status-ok')).toBeInTheDocument();
  });

  it.each(['error', 'warning', 'pending', 'running', 'aborted'] as const)(
    'draws %s with an icon beside the label',
    async kind => {
      const { container } = await renderInTestApp(
        <StatusLabel kind={kind}>Label</StatusLabel>,
      );
      expect(container.querySelector('svg')).not.toBeNull();
      expect(
        screen.getByText('Label').closest('[aria-hidden="true"]'),
      ).toBeNull();
    },
  );
});
