/** `npm run build:web`: builds the web app into WEB_DIR (default dist/web), whatever its stamp says. */
import path from 'node:path';
import { ensureWebBuilt } from './web-build';

ensureWebBuilt({ outDir: path.resolve(process.env.WEB_DIR ?? 'dist/web'), force: true, say: (m) => process.stdout.write(`${m}\n`) }).catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
