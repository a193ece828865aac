/**
 * Bundles the page (src/main.ts → app.js, next to index.html) with esbuild:
 * `npm run examples:web:build` writes examples/web/dist/; `npm run examples:web` serves it instead
 * (from memory, rebuilt after each change) on PORT, 5173 by default.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outdir = here('dist');

const pageBuild: esbuild.BuildOptions = {
  entryPoints: [
    { in: here('src/main.ts'), out: 'app' },
    { in: here('index.html'), out: 'index' },
  ],
  loader: { '.html': 'copy' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  outdir,
  logLevel: 'warning',
};

/** Serves the page on `port` (0: any free one); `stop` ends the server. */
export async function servePage(port: number, host = '127.0.0.1') {
  const context = await esbuild.context(pageBuild);
  const served = await context.serve({ host, port, servedir: outdir });
  return { url: `http://${host}:${served.port}`, stop: () => context.dispose() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--serve')) {
    const { url } = await servePage(Number(process.env.PORT ?? 5173));
    console.log(`The jobs page on ${url}/?gateway=http://127.0.0.1:8080&workspace=default`);
  } else {
    await esbuild.build(pageBuild);
  }
}
