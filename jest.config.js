/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The fault tests kill databases: `npm run test:faults`. The browser tests run after the rest,
  // one at a time (jest.browser.config.js, the end of `npm test`).
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/faults/", "<rootDir>/test/web/"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  setupFiles: ["reflect-metadata"],
  globalSetup: "<rootDir>/test/global-setup.ts",
  globalTeardown: "<rootDir>/test/global-teardown.ts",
  testTimeout: 30000,
  // Each file starts servers and databases of its own: two at a time suits a 2-core machine.
  maxWorkers: 2,
  // A worker that ran many files holds a heap of about 1.7 GB, and its exit (the heap freed) took
  // longer than jest's 500 ms grace: "A worker process has failed to exit gracefully", with no
  // handle left open (every file ends with none, and the worker's event loop empties the moment
  // jest asks it to end). A worker past 1 GB after a file is replaced, and a worker gets 5 s to
  // exit: one that keeps a handle open never exits, and is still reported.
  workerIdleMemoryLimit: "1GB",
  workerGracefulExitTimeout: 5000,
};
