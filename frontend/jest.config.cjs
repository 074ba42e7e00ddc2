module.exports = {
  testEnvironment: 'jsdom',
  testEnvironmentOptions: { url: 'http://localhost/' },
  moduleFileExtensions: ['js', 'json', 'vue'],
  transform: {
    '^.+\\.vue$': '@vue/vue2-jest',
    '^.+\\.js$': 'babel-jest',
  },
  // vue-chartjs ships ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!vue-chartjs/)'],
  moduleNameMapper: {
    '\\.(css|scss)$': '<rootDir>/tests/support/style-stub.js',
  },
  setupFiles: ['jest-canvas-mock'],
  setupFilesAfterEnv: ['<rootDir>/tests/support/setup.js'],
  testMatch: ['<rootDir>/tests/**/*.spec.js'],
  clearMocks: true,
  restoreMocks: true,
  collectCoverage: true,
  // v8: the babel provider misplaces .vue lines and counts vue2-jest's injected code as branches.
  coverageProvider: 'v8',
  collectCoverageFrom: ['src/**/*.{js,vue}', '!src/main.js'],
  coverageReporters: ['text-summary', 'text', 'json-summary'],
  coverageThreshold: {
    global: { lines: 85, branches: 85, statements: 85, functions: 85 },
  },
};
