// After tsc: bundle the CLI (esbuild) and make dist/cli.js the executable that loads it.
//
// tsc writes one ES module per source file (dist/**/*.js, with source maps). Node 20 loads
// ES modules one file at a time, and the packages the CLI uses are many small files:
// importing yargs took ~0.15 s of CPU, the analysis and writers ~0.2 s, Ink and React
// ~0.9 s (es-toolkit/compat's entry re-exports 415 modules; react-reconciler's CommonJS
// entry makes the ESM loader parse its development and production builds). A small
// capture's report was mostly that. Bundled (README "Start-up"), the CLI is dist/app/cli.js
// and chunks that load when first needed, as the separate modules did: the argument parser
// (yargs), the analysis and writers (src/cli-lib.ts), the terminal UI with Ink and React.
// One chunk holds each module, so each exists once (the same classes, the same state).
//
// protobufjs stays an ordinary import from node_modules: it loads only for saved analyses.
// dist/app/manifest.json lists the packages in each chunk (test/e2e/tui.test.ts reads it).
// The tsc output stays in dist/ for the tests and scripts that import single modules.
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const cli = path.join(dist, 'cli.js');
const app = path.join(dist, 'app');

/**
 * Ink imports its devtools module only when DEV=true, and that module imports
 * react-devtools-core, which is not installed. Bundled as is, that import would be
 * hoisted to the top of Ink's chunk and fail at load; instead the devtools module is
 * loaded from the installed Ink package when it is asked for (Ink's own message then
 * says what is missing). With DEV=true Ink also reads its own package.json relative to
 * its module: in the bundle that path is taken from the installed Ink as well.
 */
const inkDevtools = {
  name: 'ink-devtools',
  setup(build) {
    build.onResolve({ filter: /^\.\/devtools\.js$/ }, (a) =>
      a.importer.split(path.sep).includes('ink') ? { path: 'ink-devtools', namespace: 'ink-devtools' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'ink-devtools' }, () => ({
      loader: 'js',
      contents:
        "import { createRequire } from 'node:module';\n" +
        "import { dirname, join } from 'node:path';\n" +
        "import { pathToFileURL } from 'node:url';\n" +
        "await import(pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('ink')), 'devtools.js')).href);\n",
    }));
    build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, (a) => {
      const text = readFileSync(a.path, 'utf8');
      const own = "new URL('../package.json', import.meta.url)";
      if (!text.includes(own)) throw new Error(`postbuild: ${a.path} no longer reads ${own}: check the bundle's DEV=true path`);
      const installed =
        "(await import('node:url')).pathToFileURL((await import('node:path')).join((await import('node:path')).dirname((await import('node:module')).createRequire(import.meta.url).resolve('ink')), '..', 'package.json'))";
      return { loader: 'js', contents: text.replace(own, installed), resolveDir: path.dirname(a.path) };
    });
  },
};

if (existsSync(cli) && !readFileSync(cli, 'utf8').includes(LAUNCHER_MARK())) {
  const esbuild = await import('esbuild');
  rmSync(app, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: [cli],
    outdir: app,
    bundle: true,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // React's production build, chosen here (as NODE_ENV=production would at run time).
    define: { 'process.env.NODE_ENV': '"production"' },
    external: ['protobufjs'],
    // CommonJS modules inside the bundle (React, yargs' helpers) call require() for Node built-ins.
    banner: { js: "import { createRequire as __hlCreateRequire } from 'node:module';\nconst require = __hlCreateRequire(import.meta.url);" },
    plugins: [inkDevtools],
    // Through tsc's maps back to src/ (HANDSHAKE_LENS_DEBUG stack traces; subprocess coverage, scripts/coverage.mjs).
    sourcemap: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const manifest = {};
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    if (out.endsWith('.map')) continue;
    const packages = new Set();
    const sources = [];
    for (const input of Object.keys(meta.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) packages.add(m[1]);
      else sources.push(path.relative(dist, path.resolve(process.cwd(), input)).split(path.sep).join('/'));
    }
    manifest[path.basename(out)] = { packages: [...packages].sort(), modules: sources.sort() };
  }
  writeFileSync(path.join(app, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  // dist/cli.js (package.json "bin") becomes the launcher; tsc's cli.js lives on in the bundle.
  writeFileSync(cli, `#!/usr/bin/env node\n// ${LAUNCHER_MARK()}: the bundled CLI (scripts/postbuild.mjs).\nimport './app/cli.js';\n`);
  rmSync(cli + '.map', { force: true });
}
if (existsSync(cli)) chmodSync(cli, 0o755);

function LAUNCHER_MARK() {
  return 'handshake-lens launcher';
}
