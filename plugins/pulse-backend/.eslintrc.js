module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // The benchmark compiled to plain JavaScript by `yarn bench:github-initial-sync`.
  ignorePatterns: ['bench/*.bundle.js'],
});
