// esbuild plugins shared by the Lambda bundles (serverless.yml custom.esbuild.plugins)
// and the CLI bundle (scripts/build/cli.mjs). CommonJS: serverless-esbuild require()s it.
const { dirname, join } = require('node:path');

/**
 * zod re-exports every locale as a namespace (`z.locales`). Rollup and webpack drop
 * the unused ones; esbuild keeps all of them, a quarter of a bundle that is parsed at
 * every cold start. Nothing here calls z.locales: zod's own English messages come from
 * locales/en.js, imported directly, so only that one is kept.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)) return undefined;
      return { path: join(dirname(args.resolveDir), 'locales', 'index.js'), namespace: 'zod-english-only' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

module.exports = [zodEnglishOnly];
