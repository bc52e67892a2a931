/** Fault tests (`npm run test:faults`): they stop and restart a PostgreSQL of their own. */
const base = require("./jest.config.js");

module.exports = {
  ...base,
  roots: ["<rootDir>/test/faults"],
  testPathIgnorePatterns: [],
  maxWorkers: 1,
};
