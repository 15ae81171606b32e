import { act, renderHook, waitFor } from '@testing-library/react';
import { usePolledAsync } from './usePolledAsync';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('usePolledAsync', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('loads, then reloads on request while keeping the value on screen', async () => {
    const second = deferred<string>();
    const load = jest
      .fn()
      .mockResolvedValueOnce('first')
      .mockReturnValueOnce(second.promise);

    const { result } = renderHook(() => usePolledAsync('a', load, null));

    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.value).toBe('first'));
    expect(result.current.loading).toBe(false);

    act(() => result.current.reload());

    expect(result.current).toMatchObject({ value: 'first', loading: true });
    await act(async () => second.resolve('second'));
    expect(result.current).toMatchObject({ value: 'second', loading: false });
  });

  it('never returns the value of a previous key', async () => {
    const slow = deferred<string>();
    const load = jest.fn((key: string) =>
      key === 'open' ? Promise.resolve('open rows') : slow.promise,
    );

    const { result, rerender } = renderHook(
      ({ key }) => usePolledAsync(key, () => load(key), null),
      { initialProps: { key: 'open' } },
    );
    await waitFor(() => expect(result.current.value).toBe('open rows'));

    rerender({ key: 'merged' });

    expect(result.current.value).toBeUndefined();
    expect(result.current.loading).toBe(true);
    await act(async () => slow.resolve('merged rows'));
    expect(result.current.value).toBe('merged rows');
  });

  it('drops an answer that arrives after a newer load started', async () => {
    const stale = deferred<string>();
    const { result, rerender } = renderHook(
      ({ key, load }) => usePolledAsync(key, load, null),
      { initialProps: { key: 'a', load: () => stale.promise } },
    );

    rerender({ key: 'b', load: () => Promise.resolve('b') });
    await waitFor(() => expect(result.current.value).toBe('b'));
    await act(async () => stale.resolve('a'));

    expect(result.current.value).toBe('b');
  });

  it('reports errors', async () => {
    const { result } = renderHook(() =>
      usePolledAsync('a', () => Promise.reject(new Error('boom')), null),
    );

    await waitFor(() => expect(result.current.error?.message).toBe('boom'));
    expect(result.current.value).toBeUndefined();
    expect(result.current.loading).toBe(false);
  });

  it('polls at the interval while the page is visible', async () => {
    jest.useFakeTimers();
    const load = jest.fn(async () => 'value');
    renderHook(() => usePolledAsync('a', load, 30_000));
    await act(async () => {});
    expect(load).toHaveBeenCalledTimes(1);

    await act(async () => jest.advanceTimersByTime(30_000));
    expect(load).toHaveBeenCalledTimes(2);

    const visibility = jest
      .spyOn(document, 'visibilityState', 'get')
      .mockReturnValue('hidden');
    await act(async () => jest.advanceTimersByTime(60_000));
    expect(load).toHaveBeenCalledTimes(2);

    visibility.mockReturnValue('visible');
    await act(async () => jest.advanceTimersByTime(30_000));
    expect(load).toHaveBeenCalledTimes(3);
    visibility.mockRestore();
  });
});
