/** esbuild bundles imported stylesheets into playground.css (src/playground/page/build.mjs). */
declare module '*.css';
