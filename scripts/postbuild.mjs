// After tsc: make the compiled CLI executable (npm bin), and bundle the terminal UI.
//
// dist/ui/bundle.js is dist/ui/index.js with Ink, React and their dependencies in one file
// (esbuild). Importing them as installed costs ~0.9 s of CPU on Node 20: es-toolkit/compat's
// entry re-exports 415 modules (Ink imports `throttle` from it) and react-reconciler's
// CommonJS entry makes the ESM loader parse both its development and production builds.
// Bundled, with React's production build chosen at build time, the UI loads in ~0.1 s
// (README "Start-up"). The CLI imports the bundle when it exists (src/cli.ts importTui).
//
// Modules outside dist/ui (the view, report, capture ... stages) stay imports of the same
// files the CLI loads, so there is one copy of each (the same classes, the same state).
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const cli = path.join(dist, 'cli.js');
if (existsSync(cli)) chmodSync(cli, 0o755);

const uiDir = path.join(dist, 'ui');
const entry = path.join(uiDir, 'index.js');
if (existsSync(entry)) {
  const esbuild = await import('esbuild');
  const shared = uiFilesImportedFromOutside();
  /**
   * Relative imports that leave dist/ui stay external (rewritten relative to the bundle, which
   * sits in dist/ui), and so do UI modules that code outside dist/ui imports too (first-frame.js:
   * the CLI draws the first frame before it loads the UI; a second copy in the bundle would not
   * know the frame is on screen).
   */
  const sharedStages = {
    name: 'shared-stages',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (a) => {
        if (a.resolveDir.split(path.sep).includes('node_modules')) return undefined;
        const target = path.resolve(a.resolveDir, a.path);
        if (target.startsWith(uiDir + path.sep) && !shared.has(target)) return undefined;
        return { path: './' + path.relative(uiDir, target).split(path.sep).join('/'), external: true };
      });
    },
  };
  /**
   * Ink imports its devtools module only when DEV=true, and that module imports
   * react-devtools-core, which is not installed. Bundled as is, that import would be
   * hoisted to the top of the bundle and fail at load; instead the devtools module is
   * loaded from the installed Ink package when it is asked for (Ink's own message
   * then says what is missing).
   */
  const inkDevtools = {
    name: 'ink-devtools',
    setup(build) {
      build.onResolve({ filter: /^\.\/devtools\.js$/ }, (a) =>
        a.importer.split(path.sep).includes('ink') ? { path: 'ink-devtools', namespace: 'ink-devtools' } : undefined,
      );
      // With DEV=true Ink also reads its own package.json, relative to its module: in the
      // bundle that would be dist/package.json, so the path is taken from the installed Ink.
      build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, (a) => {
        const text = readFileSync(a.path, 'utf8');
        const own = "new URL('../package.json', import.meta.url)";
        if (!text.includes(own)) throw new Error(`postbuild: ${a.path} no longer reads ${own}: check the bundle's DEV=true path`);
        const installed =
          "(await import('node:url')).pathToFileURL((await import('node:path')).join((await import('node:path')).dirname((await import('node:module')).createRequire(import.meta.url).resolve('ink')), '..', 'package.json'))";
        return { loader: 'js', contents: text.replace(own, installed), resolveDir: path.dirname(a.path) };
      });
      build.onLoad({ filter: /.*/, namespace: 'ink-devtools' }, () => ({
        loader: 'js',
        contents:
          "import { createRequire } from 'node:module';\n" +
          "import { dirname, join } from 'node:path';\n" +
          "import { pathToFileURL } from 'node:url';\n" +
          "await import(pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('ink')), 'devtools.js')).href);\n",
      }));
    },
  };
  await esbuild.build({
    entryPoints: [entry],
    outfile: path.join(uiDir, 'bundle.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    define: { 'process.env.NODE_ENV': '"production"' },
    // CommonJS modules inside the bundle (React) call require() for Node built-ins.
    banner: { js: "import { createRequire as __hlCreateRequire } from 'node:module';\nconst require = __hlCreateRequire(import.meta.url);" },
    plugins: [sharedStages, inkDevtools],
    legalComments: 'eof',
    // Through dist's own maps back to src/ui (stack traces; subprocess coverage, scripts/coverage.mjs).
    sourcemap: true,
    logLevel: 'warning',
  });
}

/** The files in dist/ui that a module outside dist/ui imports (statically or dynamically). */
function uiFilesImportedFromOutside() {
  const found = new Set();
  const spec = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const ent of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (!ent.isFile() || !ent.name.endsWith('.js')) continue;
    const dir = ent.parentPath ?? ent.path;
    if (dir === uiDir || dir.startsWith(uiDir + path.sep)) continue;
    for (const m of readFileSync(path.join(dir, ent.name), 'utf8').matchAll(spec)) {
      const target = path.resolve(dir, m[1]);
      if (target.startsWith(uiDir + path.sep)) found.add(target);
    }
  }
  return found;
}
