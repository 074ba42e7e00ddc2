// Babel is only used by Jest (Vite builds with esbuild).
module.exports = {
  presets: [['@babel/preset-env', { targets: { node: 'current' } }]],
};
