import { renderHook } from '@testing-library/react';
import { useRefreshEvery } from './useRefreshEvery';

describe('useRefreshEvery', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('refreshes on every interval while the page is visible', () => {
    const refresh = jest.fn();
    renderHook(() => useRefreshEvery(refresh, 1000));

    jest.advanceTimersByTime(3000);
    expect(refresh).toHaveBeenCalledTimes(3);

    const visibility = jest
      .spyOn(document, 'visibilityState', 'get')
      .mockReturnValue('hidden');
    jest.advanceTimersByTime(3000);
    expect(refresh).toHaveBeenCalledTimes(3);
    visibility.mockRestore();
  });
});
