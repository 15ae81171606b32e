module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  testRules: {
    'jest/expect-expect': [
      'warn',
      { assertFunctionNames: ['expect', 'expect*', 'request.**.expect'] },
    ],
  },
});
