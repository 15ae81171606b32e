/**
 * The methods of a fake API that were called, in call order, one entry per call: a card's
 * requests, e.g. `['getPullRequests']` for a first paint that makes one request.
 */
export function requestsMade(api: object): string[] {
  const calls: Array<{ method: string; order: number }> = [];
  for (const [method, fn] of Object.entries(api)) {
    if (jest.isMockFunction(fn)) {
      for (const order of fn.mock.invocationCallOrder) {
        calls.push({ method, order });
      }
    }
  }
  return calls.sort((a, b) => a.order - b.order).map(call => call.method);
}
