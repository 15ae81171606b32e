#!/usr/bin/env node
// The adopter proof (issue 13): packs the Pulse packages, generates fresh Backstage apps with
// @backstage/create-app (new and legacy frontend), installs Pulse into each by the README's
// "Installing Pulse into your own portal" steps (read from the README itself, so the two cannot
// drift), starts each app's backend on SQLite against the GitHub simulator, and checks Pulse over
// HTTP and in Chromium. Run by scripts/verify-adopter-install.sh; prints "N passed, N failed".
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('yaml');

const REPO_ROOT = path.resolve(__dirname, '../..');
const YARN = path.join(REPO_ROOT, '.yarn/releases/yarn-4.13.0.cjs');
/** create-app 0.9.2 generates Backstage 1.55.0 apps; a check below fails when backstage.json moves on. */
const CREATE_APP_VERSION = '0.9.2';
const PACKAGES = [
  { dir: 'plugins/pulse-common', name: '@pulse-oss/plugin-pulse-common' },
  { dir: 'plugins/pulse', name: '@pulse-oss/plugin-pulse' },
  { dir: 'plugins/pulse-backend', name: '@pulse-oss/plugin-pulse-backend' },
];
const FLAVORS = (process.env.PULSE_ADOPTER_FLAVORS ?? 'new,legacy').split(',');
const WORK_DIR = process.env.PULSE_ADOPTER_WORK_DIR;
const RESULTS_DIR = process.env.PULSE_ADOPTER_RESULTS_DIR;
const PORTS = {
  backend: Number(process.env.PULSE_ADOPTER_BACKEND_PORT ?? 7107),
  simulator: Number(process.env.PULSE_ADOPTER_SIMULATOR_PORT ?? 7110),
  registry: Number(process.env.PULSE_ADOPTER_REGISTRY_PORT ?? 7199),
};
const BACKEND_URL = `http://localhost:${PORTS.backend}`;
const SIMULATOR_URL = `http://127.0.0.1:${PORTS.simulator}`;
const REPOSITORY = 'acme/payments-api';
const ENTITY_PATH = 'component/default/payments-api';
/** The values of the README's `${...}` placeholders, as an adopter's environment would hold them. */
const SECRETS = {
  GITHUB_TOKEN: 'adopter-proof-github-token',
  GITHUB_WEBHOOK_SECRET: 'adopter-proof-webhook-secret',
  ALERTMANAGER_TOKEN: 'adopter-proof-alertmanager-token',
};

// ---------------------------------------------------------------------------------------------
// Checks and their counts

const results = [];
function record(name, ok, detail) {
  results.push({ name, ok });
  const line = `${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`;
  console.log(line);
  fs.appendFileSync(path.join(RESULTS_DIR, 'checks.log'), `${line}\n`);
}
async function check(name, fn) {
  try {
    const detail = await fn();
    record(name, true, detail);
    return true;
  } catch (error) {
    record(name, false, error.message.split('\n').slice(0, 12).join('\n    '));
    return false;
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// Processes

const children = new Set();
function logFile(name) {
  return path.join(RESULTS_DIR, `${name}.log`);
}

/** Runs a command to completion, its output into results/<log>.log; rejects naming the log. */
function run(command, args, { cwd, env, log }) {
  const out = fs.openSync(logFile(log), 'a');
  fs.writeSync(out, `\n$ ${command} ${args.join(' ')}   (in ${cwd})\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', out, out],
    });
    child.on('error', reject);
    child.on('exit', code => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else {
        const tail = fs
          .readFileSync(logFile(log), 'utf8')
          .trimEnd()
          .split('\n')
          .slice(-8);
        reject(
          new Error(
            `${path.basename(command)} ${args.join(
              ' ',
            )} exited with ${code} (log: ${logFile(log)})\n${tail.join('\n')}`,
          ),
        );
      }
    });
  });
}

/** Starts a long-running process in its own process group; stop() ends the group. */
function start(command, args, { cwd, env, log }) {
  const out = fs.openSync(logFile(log), 'a');
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  const exited = new Promise(resolve => child.on('exit', resolve));
  const handle = {
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
      children.delete(handle);
    },
  };
  children.add(handle);
  return handle;
}
async function stopAll() {
  await Promise.all([...children].map(c => c.stop()));
}

const yarn = (args, options) => run(process.execPath, [YARN, ...args], options);

// ---------------------------------------------------------------------------------------------
// HTTP

async function request(
  url,
  { token, method = 'GET', body, headers = {} } = {},
) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Polls `probe` until it returns a truthy value; its last error explains a timeout. */
async function waitFor(what, seconds, probe, exited) {
  const deadline = Date.now() + seconds * 1000;
  let last = 'no answer yet';
  let gone = false;
  exited?.then(code => {
    gone = `the process exited with ${code}`;
  });
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error.message;
    }
    if (gone) throw new Error(`${what}: ${gone} (${last})`);
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${seconds} s (${last})`);
    await new Promise(r => setTimeout(r, 2000));
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Build and pack

const FORBIDDEN_IN_TARBALL = [
  /\/__testUtils__\//,
  /\/__fixtures__\//,
  /\/fixtures\//,
  /\/bench\//,
  /\.test\.[cm]?[jt]sx?$/,
  /\.spec\.[cm]?[jt]sx?$/,
  /(^|\/)setupTests\./,
  /(^|\/)dist-types\//,
];

function tarList(file) {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['tzf', file]);
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.on('exit', code =>
      code === 0
        ? resolve(out.split('\n').filter(Boolean))
        : reject(new Error(`tar tzf ${file} exited with ${code}`)),
    );
  });
}
function tarRead(file, member) {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['xzOf', file, member]);
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.on('exit', code =>
      code === 0
        ? resolve(out)
        : reject(new Error(`cannot read ${member} from ${file}`)),
    );
  });
}

/** Every file the package's entry points name, relative to the package root. */
function entryFiles(manifest) {
  const files = new Set();
  const visit = value => {
    if (typeof value === 'string') {
      if (value.startsWith('./') || value.startsWith('dist/'))
        files.add(value.replace(/^\.\//, ''));
    } else if (value && typeof value === 'object')
      Object.values(value).forEach(visit);
  };
  for (const key of ['main', 'module', 'types']) {
    if (manifest[key]) files.add(manifest[key].replace(/^\.\//, ''));
  }
  visit(manifest.exports);
  visit(manifest.typesVersions);
  files.delete('package.json');
  return [...files].filter(f => !f.includes('*'));
}

async function verifyTarball(pkg, file) {
  const entries = (await tarList(file)).map(e => e.replace(/^package\//, ''));
  const manifest = JSON.parse(await tarRead(file, 'package/package.json'));
  const problems = [];
  if (manifest.name !== pkg.name)
    problems.push(`named ${manifest.name}, not ${pkg.name}`);
  if (manifest.private) problems.push('package.json says private');
  for (const field of [
    'dependencies',
    'peerDependencies',
    'optionalDependencies',
  ]) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|link|file|portal):/.test(range))
        problems.push(`${field}.${dep} is ${range}`);
    }
  }
  const entryPoints = entryFiles(manifest);
  if (!entryPoints.some(f => f.startsWith('dist/')))
    problems.push(
      `entry points do not point into dist/ (${entryPoints.join(', ')})`,
    );
  for (const f of entryPoints)
    if (!entries.includes(f))
      problems.push(`entry point ${f} is not in the tarball`);
  if (!entries.includes('dist/index.d.ts')) problems.push('no dist/index.d.ts');
  if (!entries.includes('README.md')) problems.push('no README.md');
  if (pkg.dir === 'plugins/pulse-backend') {
    const migrations = entries.filter(e => /^migrations\/[^/]+\.js$/.test(e));
    if (migrations.length === 0) problems.push('no migrations/*.js');
    // Backstage's prepack compiles config.d.ts into the JSON schema named by configSchema.
    if (!manifest.configSchema || !entries.includes(manifest.configSchema)) {
      problems.push(
        `no config schema (configSchema: ${manifest.configSchema})`,
      );
    } else if (manifest.configSchema.endsWith('.json')) {
      const schema = JSON.parse(
        await tarRead(file, `package/${manifest.configSchema}`),
      );
      if (!schema.properties?.pulse)
        problems.push(`${manifest.configSchema} does not declare pulse:`);
    }
  }
  const forbidden = entries.filter(e =>
    FORBIDDEN_IN_TARBALL.some(re => re.test(`/${e}`)),
  );
  if (forbidden.length)
    problems.push(
      `test or benchmark files: ${forbidden.slice(0, 5).join(', ')}${
        forbidden.length > 5 ? ', ...' : ''
      }`,
    );
  if (entries.some(e => e.startsWith('src/'))) problems.push('ships src/');
  assert(problems.length === 0, problems.join('; '));
  fs.writeFileSync(
    path.join(RESULTS_DIR, `${path.basename(file)}.contents.txt`),
    `${entries.join('\n')}\n`,
  );
  return `${entries.length} files, ${(fs.statSync(file).size / 1024).toFixed(
    0,
  )} KiB`;
}

async function buildAndPack(packsDir) {
  const tarballs = [];
  for (const pkg of PACKAGES) {
    const cwd = path.join(REPO_ROOT, pkg.dir);
    const file = path.join(
      packsDir,
      `${pkg.name.replace('@', '').replace('/', '-')}.tgz`,
    );
    const built = await check(
      `${pkg.name}: backstage-cli package build and yarn pack`,
      async () => {
        await yarn(['backstage-cli', 'package', 'build'], { cwd, log: 'pack' });
        await yarn(['pack', '--out', file], { cwd, log: 'pack' });
        assert(fs.existsSync(file), `yarn pack wrote no ${file}`);
      },
    );
    if (!built) {
      record(
        `${pkg.name}: tarball holds what an adopter needs and nothing from tests`,
        false,
        'not run: the package did not pack',
      );
      continue;
    }
    if (
      await check(
        `${pkg.name}: tarball holds what an adopter needs and nothing from tests`,
        () => verifyTarball(pkg, file),
      )
    ) {
      tarballs.push(file);
    }
  }
  return tarballs;
}

// ---------------------------------------------------------------------------------------------
// 2. The README's steps

/**
 * The fenced blocks of the README's install section that follow an `<!-- adopter-step: id -->`
 * comment, by id. Each id is used once; the script knows where each block goes in an app.
 */
function readmeSteps() {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const steps = new Map();
  const re =
    /<!-- adopter-step: ([a-z0-9-]+) -->\s*\n```([a-z]*)\n([\s\S]*?)\n```/g;
  for (let m; (m = re.exec(readme)); ) {
    assert(!steps.has(m[1]), `README.md: adopter-step ${m[1]} appears twice`);
    steps.set(m[1], { lang: m[2], body: m[3] });
  }
  return steps;
}
function step(steps, id) {
  const s = steps.get(id);
  assert(s, `README.md has no block marked <!-- adopter-step: ${id} -->`);
  return s;
}
/** A block's lines without its first line when that only names the file (`// packages/...`). */
function codeOf(block) {
  const lines = block.body.split('\n');
  if (/^\s*(\/\/|#)\s*packages\//.test(lines[0])) lines.shift();
  return lines.join('\n');
}

/** Runs a shell block's commands one by one, as an adopter types them at the app's root. */
async function runShellStep(block, app, log) {
  for (const line of block.body.split('\n')) {
    const command = line.trim();
    if (!command || command.startsWith('#')) continue;
    await run('bash', ['-c', command], { cwd: app.dir, env: app.env, log });
  }
}

function insertBefore(file, marker, text) {
  const source = fs.readFileSync(file, 'utf8');
  const at = source.indexOf(marker);
  assert(at >= 0, `${file} has no "${marker}" to insert before`);
  fs.writeFileSync(file, `${source.slice(0, at)}${text}\n${source.slice(at)}`);
}
function insertAfter(file, marker, text) {
  const source = fs.readFileSync(file, 'utf8');
  const at = source.indexOf(marker);
  assert(at >= 0, `${file} has no "${marker}" to insert after`);
  const end = at + marker.length;
  fs.writeFileSync(
    file,
    `${source.slice(0, end)}\n${text}${source.slice(end)}`,
  );
}
/** Puts an import block after the file's last top-level import. */
function addImports(file, imports) {
  const source = fs.readFileSync(file, 'utf8');
  const lines = source.split('\n');
  let last = -1;
  for (let i = 0; i < lines.length; i++) {
    if (/^import\b/.test(lines[i])) {
      last = i;
      while (last < lines.length && !/;\s*$/.test(lines[last])) last++;
    }
  }
  lines.splice(last + 1, 0, imports);
  fs.writeFileSync(file, lines.join('\n'));
}

function deepMerge(target, source) {
  for (const [key, value] of Object.entries(source)) {
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      target[key] &&
      typeof target[key] === 'object' &&
      !Array.isArray(target[key])
    ) {
      deepMerge(target[key], value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

/**
 * The README's app-config blocks merged into the generated app-config.yaml, as an adopter edits
 * it. The one change: github.com's API is the simulator (`apiBaseUrl`).
 */
function applyAppConfig(steps, app) {
  const file = path.join(app.dir, 'app-config.yaml');
  const config = yaml.parse(fs.readFileSync(file, 'utf8'));
  for (const id of ['app-config-github', 'app-config-pulse']) {
    deepMerge(config, yaml.parse(step(steps, id).body));
  }
  const github = config.integrations?.github;
  assert(
    Array.isArray(github) && github.some(i => i.host === 'github.com'),
    'the README config has no integrations.github entry for github.com',
  );
  for (const integration of github) {
    if (integration.host === 'github.com')
      integration.apiBaseUrl = `${SIMULATOR_URL}/api/v3`;
  }
  fs.writeFileSync(file, yaml.stringify(config));
}

/** The test's own config on top: ports, SQLite, one catalog location, quicker first refresh. */
function writeProofConfig(app) {
  const catalogFile = path.join(app.dir, 'adopter-proof-catalog.yaml');
  fs.writeFileSync(
    catalogFile,
    yaml.stringify({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'payments-api',
        annotations: { 'github.com/project-slug': REPOSITORY },
      },
      spec: { type: 'service', lifecycle: 'production', owner: 'guests' },
    }),
  );
  const file = path.join(app.dir, 'app-config.adopter-proof.yaml');
  fs.writeFileSync(
    file,
    yaml.stringify({
      app: { baseUrl: BACKEND_URL },
      backend: {
        baseUrl: BACKEND_URL,
        listen: { port: PORTS.backend, host: '127.0.0.1' },
        cors: { origin: BACKEND_URL },
        database: {
          client: 'better-sqlite3',
          connection: { directory: path.join(app.dir, '.sqlite') },
        },
      },
      catalog: {
        locations: [
          { type: 'file', target: catalogFile },
          {
            type: 'file',
            target: path.join(app.dir, 'examples/org.yaml'),
            rules: [{ allow: ['User', 'Group'] }],
          },
        ],
      },
      pulse: {
        catalog: {
          refresh: { frequency: { seconds: 5 }, timeout: { minutes: 1 } },
        },
        // The first sync runs at once; the next poll is far away, so a change that shows up
        // in between came by webhook.
        github: {
          schedule: { frequency: { hours: 1 }, timeout: { minutes: 5 } },
        },
      },
    }),
  );
  return file;
}

// ---------------------------------------------------------------------------------------------
// 3. An app

function yarnCacheFolder() {
  return new Promise(resolve => {
    const child = spawn(
      process.execPath,
      [YARN, 'config', 'get', 'cacheFolder'],
      { cwd: REPO_ROOT },
    );
    let out = '';
    child.stdout.on('data', d => (out += d));
    child.on('exit', () => resolve(out.trim()));
  });
}

async function generateApp(flavor, createApp, shimDir) {
  const dir = path.join(WORK_DIR, `${flavor}-app`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const env = {
    PATH: `${shimDir}:${process.env.PATH}`,
    BACKSTAGE_APP_NAME: `pulse-adopter-${flavor}`,
    YARN_ENABLE_TELEMETRY: '0',
    // Yarn turns immutable installs on by itself under CI=true; an adopter's `yarn add` changes
    // the lock file on purpose.
    YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
    // Native addons other than better-sqlite3 (provided below) are optional or unused here;
    // building them all would take minutes per app on two cores.
    YARN_ENABLE_SCRIPTS: 'false',
    ...SECRETS,
  };
  const app = { flavor, dir, env, log: `${flavor}-app` };
  await run(
    process.execPath,
    [
      createApp,
      ...(flavor === 'legacy' ? ['--legacy'] : []),
      '--path',
      dir,
      '--skip-install',
    ],
    { cwd: WORK_DIR, env, log: app.log },
  );
  const backstageVersion = JSON.parse(
    fs.readFileSync(path.join(dir, 'backstage.json'), 'utf8'),
  ).version;
  const ours = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, 'backstage.json'), 'utf8'),
  ).version;
  assert(
    backstageVersion === ours,
    `create-app ${CREATE_APP_VERSION} made a Backstage ${backstageVersion} app; backstage.json says ${ours} (update CREATE_APP_VERSION)`,
  );
  return app;
}

/** Packages that carry React contexts or API refs, which an app must hold once. */
const SINGLE_COPY_PACKAGES = [
  'core-plugin-api',
  'core-app-api',
  'frontend-plugin-api',
  'version-bridge',
  'plugin-catalog-react',
];

/**
 * The monorepo's (Backstage 1.55) version of each single-copy package, as resolutions: the
 * registry holds a newer Backstage release, whose patch and minor versions the generated app's
 * transitive ranges would otherwise mix with 1.55's, in two copies of these packages.
 */
function singleCoreVersions() {
  const lock = yaml.parse(
    fs.readFileSync(path.join(REPO_ROOT, 'yarn.lock'), 'utf8'),
  );
  const pins = {};
  for (const [key, entry] of Object.entries(lock)) {
    const name = key.match(/^(@backstage\/[^@]+)@npm:/)?.[1];
    if (
      name &&
      SINGLE_COPY_PACKAGES.includes(name.slice('@backstage/'.length))
    ) {
      pins[name] = entry.version;
    }
  }
  return pins;
}

/** What makes the generated app install here like on an adopter's machine with the packages published. */
function prepareInstall(app) {
  // The Pulse packages come from a local registry serving the tarballs, as from npmjs.com.
  fs.appendFileSync(
    path.join(app.dir, '.yarnrc.yml'),
    `npmScopes:\n  pulse-oss:\n    npmRegistryServer: "http://127.0.0.1:${PORTS.registry}"\nunsafeHttpWhitelist:\n  - 127.0.0.1\n`,
  );
  // The registry's holes and @yarnpkg/core's unresolvable patch: the monorepo's pins.
  const ours = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'),
  );
  const manifestFile = path.join(app.dir, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.resolutions = {
    ...manifest.resolutions,
    ...ours.resolutions,
    ...singleCoreVersions(),
  };
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  // create-app's yarn.lock seed comes from GitHub, out of reach here: the monorepo's lock file
  // seeds the same versions of the Backstage 1.55 packages instead (the rest is pruned).
  fs.copyFileSync(
    path.join(REPO_ROOT, 'yarn.lock'),
    path.join(app.dir, 'yarn.lock'),
  );
  // That seed would also hold the app's own Backstage dependencies at the versions of the 1.55
  // release, which the template names; the registry has newer releases of some (plugin-api-docs
  // 0.14.9 and plugin-home on plugin-catalog 2.1, frontend-plugin-api 1.0 and catalog-react 4),
  // which an app of 1.55 does not get. The template's versions, exactly, as the seed holds them.
  for (const ws of ['packages/app', 'packages/backend']) {
    const file = path.join(app.dir, ws, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const field of ['dependencies', 'devDependencies']) {
      for (const [name, range] of Object.entries(pkg[field] ?? {})) {
        if (name.startsWith('@backstage/'))
          pkg[field][name] = range.replace(/^[~^]/, '');
      }
    }
    fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  }
}

/** Backstage packages whose React contexts must exist once, installed in more than one version. */
function duplicateCorePackages(app) {
  const versions = new Map(SINGLE_COPY_PACKAGES.map(n => [n, new Set()]));
  const visit = (dir, depth) => {
    const scope = path.join(dir, 'node_modules/@backstage');
    if (!fs.existsSync(scope)) return;
    for (const entry of fs.readdirSync(scope)) {
      const pkgDir = path.join(scope, entry);
      if (versions.has(entry)) {
        versions
          .get(entry)
          .add(
            JSON.parse(
              fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'),
            ).version,
          );
      }
      if (depth < 2) visit(pkgDir, depth + 1);
    }
  };
  visit(app.dir, 0);
  for (const ws of ['packages/app', 'packages/backend'])
    visit(path.join(app.dir, ws), 1);
  return [...versions]
    .filter(([, v]) => v.size > 1)
    .map(([n, v]) => `@backstage/${n} (${[...v].join(', ')})`);
}

/** better-sqlite3 compiled once by the monorepo's install when the versions match, else built here. */
async function provideSqlite(app) {
  const ours = path.join(REPO_ROOT, 'node_modules/better-sqlite3');
  const theirs = path.join(app.dir, 'node_modules/better-sqlite3');
  const version = dir =>
    JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const binary = 'build/Release/better_sqlite3.node';
  if (
    fs.existsSync(path.join(ours, binary)) &&
    version(ours) === version(theirs)
  ) {
    fs.mkdirSync(path.join(theirs, 'build/Release'), { recursive: true });
    fs.copyFileSync(path.join(ours, binary), path.join(theirs, binary));
    return `better-sqlite3 ${version(theirs)} binary reused from the monorepo`;
  }
  await yarn(['rebuild', 'better-sqlite3'], {
    cwd: app.dir,
    env: { ...app.env, YARN_ENABLE_SCRIPTS: 'true' },
    log: app.log,
  });
  return `better-sqlite3 ${version(theirs)} built`;
}

async function installPulse(app, steps, cacheFolder) {
  for (const f of fs
    .readdirSync(cacheFolder)
    .filter(f => f.startsWith('@pulse-oss-'))) {
    // The cache keys packages by name and version: a zip from an earlier build would win.
    fs.rmSync(path.join(cacheFolder, f));
  }
  const started = Date.now();
  await runShellStep(step(steps, 'backend-add'), app, app.log);
  await runShellStep(step(steps, 'frontend-add'), app, app.log);
  // The seed keeps the Backstage 1.55 versions the monorepo locks; packages it lacks float to
  // their newest, some of which need newer core packages. Two copies of a core package break
  // the app's React contexts ("App context is not available"): one copy of each, as a fresh
  // lock file would have.
  await yarn(['dedupe'], { cwd: app.dir, env: app.env, log: app.log });
  const copies = duplicateCorePackages(app);
  assert(copies.length === 0, `more than one copy of ${copies.join(', ')}`);
  const sqlite = await provideSqlite(app);
  insertBefore(
    path.join(app.dir, 'packages/backend/src/index.ts'),
    'backend.start();',
    codeOf(step(steps, 'backend-index')),
  );
  applyAppConfig(steps, app);
  if (app.flavor === 'legacy') {
    const entityPage = path.join(
      app.dir,
      'packages/app/src/components/catalog/EntityPage.tsx',
    );
    addImports(entityPage, codeOf(step(steps, 'legacy-entity-page-imports')));
    insertAfter(
      entityPage,
      '{entityWarningContent}',
      codeOf(step(steps, 'legacy-entity-page-cards')),
    );
    const appFile = path.join(app.dir, 'packages/app/src/App.tsx');
    addImports(appFile, codeOf(step(steps, 'legacy-app-imports')));
    insertBefore(
      appFile,
      '</FlatRoutes>',
      codeOf(step(steps, 'legacy-app-routes')),
    );
  }
  const installed = JSON.parse(
    fs.readFileSync(
      path.join(
        app.dir,
        'node_modules/@pulse-oss/plugin-pulse-backend/package.json',
      ),
      'utf8',
    ),
  );
  fs.writeFileSync(
    path.join(app.dir, 'app-config.github-app.yaml'),
    step(steps, 'app-config-github-app').body,
  );
  return `installed ${installed.name}@${installed.version} in ${Math.round(
    (Date.now() - started) / 1000,
  )} s; ${sqlite}`;
}

async function guestToken() {
  const res = await request(`${BACKEND_URL}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  assert(
    res.status === 200 && res.json?.backstageIdentity?.token,
    `guest sign-in answered ${res.status}: ${res.text.slice(0, 200)}`,
  );
  return res.json.backstageIdentity.token;
}

async function checkBackend(app, backend) {
  const label = `${app.flavor} app`;
  const pulse = `${BACKEND_URL}/api/pulse`;
  const up = await check(
    `${label}: the backend starts and Pulse's health route answers`,
    async () => {
      await waitFor(
        'GET /api/pulse/health',
        300,
        async () => (await request(`${pulse}/health`)).status === 200,
        backend.exited,
      );
    },
  );
  if (!up) return false;
  let token;
  await check(
    `${label}: Pulse tracks the annotated component and its first sync ran`,
    async () => {
      token = await guestToken();
      const sync = await waitFor(
        'the first sync of acme/payments-api',
        180,
        async () => {
          const res = await request(
            `${pulse}/v1/entities/${ENTITY_PATH}/sync`,
            { token },
          );
          if (res.status !== 200)
            throw new Error(
              `GET .../sync answered ${res.status}: ${res.text.slice(0, 200)}`,
            );
          if (res.json.lastError)
            throw new Error(`sync error: ${res.json.lastError.message}`);
          return res.json.lastSyncedAt && res.json.progressPercent === 100
            ? res.json
            : undefined;
        },
      );
      return `state ${sync.state}, ${sync.itemsSynced} items, last synced ${sync.lastSyncedAt}`;
    },
  );
  await check(
    `${label}: the entity's pull requests match the simulator's`,
    async () => {
      const github = await request(
        `${SIMULATOR_URL}/api/v3/repos/${REPOSITORY}/pulls?state=open&per_page=100`,
        { headers: { authorization: `token ${SECRETS.GITHUB_TOKEN}` } },
      );
      assert(github.status === 200, `the simulator answered ${github.status}`);
      const res = await request(
        `${pulse}/v1/entities/${ENTITY_PATH}/pull-requests?state=open`,
        { token },
      );
      assert(
        res.status === 200,
        `GET .../pull-requests answered ${res.status}: ${res.text.slice(
          0,
          200,
        )}`,
      );
      const ours = new Set(res.json.items.map(p => p.number));
      const missing = github.json
        .filter(p => !ours.has(p.number))
        .map(p => `#${p.number}`);
      assert(
        res.json.items.length > 0 && missing.length === 0,
        `Pulse has ${
          res.json.items.length
        } open pull requests; missing ${missing.join(', ')}`,
      );
      return `${res.json.items.length} open pull requests`;
    },
  );
  await check(
    `${label}: a pull request opened on GitHub arrives by signed webhook`,
    async () => {
      const title = `Adopter proof ${app.flavor} ${Date.now()}`;
      const opened = await request(
        `${SIMULATOR_URL}/_simulator/repos/${REPOSITORY}/pulls`,
        { method: 'POST', body: { title } },
      );
      assert(opened.status === 201, `the simulator answered ${opened.status}`);
      await waitFor(
        `pull request #${opened.json.number} in Pulse`,
        60,
        async () => {
          const res = await request(
            `${pulse}/v1/entities/${ENTITY_PATH}/pull-requests?state=open`,
            { token },
          );
          return res.json?.items?.some(p => p.title === title);
        },
      );
      app.webhookPull = title;
      return `#${opened.json.number} shown without a poll (next poll in an hour)`;
    },
  );
  await check(
    `${label}: an alert posted with the README's intake token opens an incident`,
    async () => {
      const res = await request(`${pulse}/v1/alerts/json`, {
        method: 'POST',
        token: SECRETS.ALERTMANAGER_TOKEN,
        body: {
          entityRef: 'component:default/payments-api',
          title: `Adopter proof alert ${app.flavor}`,
          severity: 'error',
          dedupKey: `adopter-proof-${app.flavor}`,
        },
      });
      assert(
        res.status < 300 && res.json?.incidentId,
        `POST /v1/alerts/json answered ${res.status}: ${res.text.slice(
          0,
          200,
        )}`,
      );
      const refused = await request(
        `${pulse}/v1/entities/${ENTITY_PATH}/pull-requests`,
        { token: SECRETS.ALERTMANAGER_TOKEN },
      );
      assert(
        refused.status === 403 || refused.status === 401,
        `the intake token read pull requests (${refused.status})`,
      );
      return `incident ${res.json.incidentId}; the same token may not read (${refused.status})`;
    },
  );
  await check(
    `${label}: the on-call schedule from the README answers for the component`,
    async () => {
      // The schedule's members come from the catalog's groups, which Pulse reads on its own schedule.
      const oncall = await waitFor(
        'someone on call for payments-api',
        120,
        async () => {
          const res = await request(
            `${pulse}/v1/entities/${ENTITY_PATH}/oncall`,
            { token },
          );
          if (res.status !== 200)
            throw new Error(
              `GET .../oncall answered ${res.status}: ${res.text.slice(
                0,
                200,
              )}`,
            );
          if (!res.json.policy)
            throw new Error(
              `no escalation policy applies: ${res.json.problem}`,
            );
          if (!res.json.now?.userRef)
            throw new Error(
              `nobody is on call now: ${JSON.stringify(res.json.now)} ${
                res.json.problem ?? ''
              }`,
            );
          return res.json;
        },
      );
      return `policy ${oncall.policy.id}, on call now ${oncall.now.userRef}`;
    },
  );
  return true;
}

async function checkBrowser(app) {
  const label = `${app.flavor} app`;
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.PULSE_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({
      viewport: { width: 1440, height: 2400 },
    });
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));
    // Opens a page, signing in as the guest when the app asks; what is missing afterwards is
    // named by the check, next to a screenshot.
    const open = async (url, ready) => {
      await page.goto(url, { timeout: 60_000 });
      const enter = page.getByRole('button', { name: 'Enter' });
      await enter
        .or(ready)
        .first()
        .waitFor({ timeout: 60_000 })
        .catch(() => undefined);
      if (await enter.isVisible()) await enter.click();
      await ready.waitFor({ timeout: 60_000 }).catch(() => undefined);
    };
    // A card by its title: other cards may hold the same words ("Pulse at a glance" has a "Pull
    // requests" line). A production build numbers Material UI's class names (MuiCard-root-935).
    const card = title =>
      page
        .locator('[class*="MuiCard-root"]')
        .filter({
          has: page.locator('[class*="MuiCardHeader-title"]').filter({
            hasText: new RegExp(
              `^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
            ),
          }),
        })
        .first();
    const shoot = async name => {
      const file = path.join(RESULTS_DIR, `${app.flavor}-app-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    };
    const pageErrors = () =>
      errors.length ? `; page errors: ${errors.slice(0, 3).join(' | ')}` : '';

    await check(
      `${label}: the entity page shows the Pulse cards in Chromium`,
      async () => {
        await open(
          `${BACKEND_URL}/catalog/default/component/payments-api`,
          card('Pull requests'),
        );
        const missing = [];
        for (const title of [
          'Pulse',
          'Pull requests',
          'Workflow runs',
          'On-call',
        ]) {
          await card(title)
            .waitFor({ timeout: 30_000 })
            .catch(() => missing.push(`the ${title} card`));
        }
        if (app.webhookPull) {
          await card('Pull requests')
            .getByText(app.webhookPull)
            .waitFor({ timeout: 60_000 })
            .catch(() => missing.push(`the pull request "${app.webhookPull}"`));
        }
        const extensionErrors = await page
          .getByText(/^Error in extension/)
          .allInnerTexts();
        if (extensionErrors.length)
          missing.push(
            `extension errors shown (${[...new Set(extensionErrors)].join(
              ' | ',
            )})`,
          );
        const file = await shoot('entity-page');
        assert(
          missing.length === 0,
          `wrong on the page: ${missing.join(
            ', ',
          )} (screenshot ${file}${pageErrors()})`,
        );
        return `screenshot ${file}`;
      },
    );
    await check(
      `${label}: the on-call page lists the README's schedule in Chromium`,
      async () => {
        const heading = page.getByRole('heading', { name: 'On-call' }).first();
        await open(`${BACKEND_URL}/pulse/oncall`, heading);
        const schedule = page.getByText('Primary on-call').first();
        const found = await schedule.waitFor({ timeout: 60_000 }).then(
          () => true,
          () => false,
        );
        const file = await shoot('oncall-page');
        assert(
          found,
          `the schedule "Primary on-call" is not on /pulse/oncall (screenshot ${file}${pageErrors()})`,
        );
        return `screenshot ${file}`;
      },
    );
  } finally {
    await browser.close();
  }
}

/** The checks one app runs; when an early one fails, the rest count as failed, never as skipped. */
const CHECKS_PER_APP = 12;
function recordNotRun(label, ran, why) {
  for (let i = ran; i < CHECKS_PER_APP; i++) {
    record(
      `${label}: check ${i + 1} of ${CHECKS_PER_APP}`,
      false,
      `not run: ${why}`,
    );
  }
}

async function proveApp(flavor, { createApp, shimDir, steps, cacheFolder }) {
  const label = `${flavor} app`;
  const before = results.length;
  let app;
  let backend;
  try {
    const generated = await check(
      `${label}: create-app ${CREATE_APP_VERSION}${
        flavor === 'legacy' ? ' --legacy' : ''
      } generates a Backstage ${
        flavor === 'legacy' ? 'legacy-frontend' : 'new-frontend'
      } app`,
      async () => {
        app = await generateApp(flavor, createApp, shimDir);
        prepareInstall(app);
      },
    );
    if (!generated) return;
    const installed = await check(
      `${label}: the README's install steps apply and install`,
      () => installPulse(app, steps, cacheFolder),
    );
    if (!installed) return;
    await check(
      `${label}: the README's config passes backstage-cli config:check with Pulse's schema, with a token and with a GitHub App`,
      async () => {
        for (const extra of [[], ['--config', 'app-config.github-app.yaml']]) {
          await yarn(
            [
              'backstage-cli',
              'config:check',
              '--lax',
              '--config',
              'app-config.yaml',
              ...extra,
            ],
            { cwd: app.dir, env: app.env, log: app.log },
          );
        }
      },
    );
    const built = await check(
      `${label}: the app's frontend builds`,
      async () => {
        await yarn(['backstage-cli', 'package', 'build'], {
          cwd: path.join(app.dir, 'packages/app'),
          env: app.env,
          log: app.log,
        });
      },
    );
    const proofConfig = writeProofConfig(app);
    backend = start(
      process.execPath,
      [
        YARN,
        'start',
        '--config',
        '../../app-config.yaml',
        '--config',
        proofConfig,
      ],
      {
        cwd: path.join(app.dir, 'packages/backend'),
        env: app.env,
        log: `${flavor}-backend`,
      },
    );
    const up = await checkBackend(app, backend);
    if (up && built) await checkBrowser(app);
  } finally {
    await backend?.stop();
    recordNotRun(
      label,
      results.length - before,
      'an earlier step of this app failed',
    );
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'checks.log'), '');
  const packsDir = path.join(WORK_DIR, 'packs');
  fs.mkdirSync(packsDir, { recursive: true });

  let steps;
  const readmeOk = await check(
    'README.md: the install section has every step the proof runs',
    async () => {
      steps = readmeSteps();
      const ids = [
        'backend-add',
        'backend-index',
        'app-config-github',
        'app-config-github-app',
        'app-config-pulse',
        'frontend-add',
        'legacy-entity-page-imports',
        'legacy-entity-page-cards',
        'legacy-app-imports',
        'legacy-app-routes',
      ];
      ids.forEach(id => step(steps, id));
      return `${ids.length} marked blocks`;
    },
  );
  const tarballs = await buildAndPack(packsDir);
  const timings = [`pack ${Math.round((Date.now() - started) / 1000)} s`];
  if (!readmeOk || tarballs.length !== PACKAGES.length) {
    for (const flavor of FLAVORS)
      recordNotRun(
        `${flavor} app`,
        0,
        'the README steps or the packages are missing',
      );
    return finish(started, timings);
  }

  const shimDir = path.join(WORK_DIR, 'bin');
  fs.mkdirSync(shimDir, { recursive: true });
  // create-app asks for `yarn -v`; the monorepo's Yarn release stands in for a global yarn.
  fs.writeFileSync(
    path.join(shimDir, 'yarn'),
    `#!/bin/sh\nexec "${process.execPath}" "${YARN}" "$@"\n`,
    { mode: 0o755 },
  );
  const createAppDir = path.join(WORK_DIR, 'create-app');
  const createApp = path.join(
    createAppDir,
    'node_modules/@backstage/create-app/bin/backstage-create-app',
  );
  if (!fs.existsSync(createApp)) {
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-save',
        '--prefix',
        createAppDir,
        `@backstage/create-app@${CREATE_APP_VERSION}`,
      ],
      { cwd: WORK_DIR, log: 'create-app' },
    );
  }
  const cacheFolder = await yarnCacheFolder();

  const registry = start(
    process.execPath,
    [path.join(__dirname, 'registry.js'), String(PORTS.registry), ...tarballs],
    { cwd: WORK_DIR, log: 'registry' },
  );
  const simulator = start(
    process.execPath,
    [
      path.join(REPO_ROOT, 'packages/github-simulator/bin/github-simulator'),
      '--port',
      String(PORTS.simulator),
      '--host',
      '127.0.0.1',
      '--seed',
      '13',
      '--repositories',
      REPOSITORY,
      '--pulls',
      '12',
      '--runs',
      '40',
      '--webhook-url',
      `${BACKEND_URL}/api/events/http/github`,
      '--webhook-secret',
      SECRETS.GITHUB_WEBHOOK_SECRET,
    ],
    {
      cwd: REPO_ROOT,
      log: 'simulator',
    },
  );
  try {
    await waitFor(
      'the package registry',
      30,
      async () =>
        (
          await request(
            `http://127.0.0.1:${PORTS.registry}/@pulse-oss%2fplugin-pulse`,
          )
        ).status === 200,
      registry.exited,
    );
    await waitFor(
      'the GitHub simulator',
      60,
      async () =>
        (await request(`${SIMULATOR_URL}/_simulator/stats`)).status === 200,
      simulator.exited,
    );
    for (const flavor of FLAVORS) {
      const t = Date.now();
      await proveApp(flavor, { createApp, shimDir, steps, cacheFolder });
      timings.push(`${flavor} app ${Math.round((Date.now() - t) / 1000)} s`);
    }
  } finally {
    await stopAll();
  }
  return finish(started, timings);
}

function finish(started, timings) {
  const passed = results.filter(r => r.ok).length;
  const failed = results.length - passed;
  console.log(
    `adopter proof took ${Math.round(
      (Date.now() - started) / 1000,
    )} s (${timings.join(', ')}); logs and screenshots in ${RESULTS_DIR}`,
  );
  if (process.env.PULSE_ADOPTER_COUNTS)
    fs.writeFileSync(
      process.env.PULSE_ADOPTER_COUNTS,
      `${passed} ${failed} 0\n`,
    );
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => stopAll().then(() => process.exit(130)));
}
main().catch(async error => {
  console.error(error);
  await stopAll();
  record('adopter proof ran to the end', false, error.message);
  finish(Date.now(), []);
});
