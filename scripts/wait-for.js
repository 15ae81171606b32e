#!/usr/bin/env node
// wait-for.js <seconds> <url>...: waits until every URL answers 2xx, or fails after the timeout.
const [seconds, ...urls] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;

async function ready(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok;
  } catch {
    return false;
  }
}

(async () => {
  for (const url of urls) {
    while (!(await ready(url))) {
      if (Date.now() > deadline) {
        console.error(`${url} did not answer within ${seconds} s`);
        process.exit(1);
      }
      await new Promise(r => setTimeout(r, 2000));
    }
  }
})();
