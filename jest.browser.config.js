/**
 * The browser tests (test/web/): headless Chromium beside a server, one file at a time, after
 * the rest of the suite (`npm test`), so that two browsers and the database tests do not share
 * the 2 cores at once.
 */
const base = require("./jest.config");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/web"],
  testPathIgnorePatterns: ["/node_modules/"],
  maxWorkers: 1,
};
