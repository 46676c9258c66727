import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { buildConsoleBundle, type ConsoleBundle } from './build.js';

export interface ConsoleAsset {
  body: Uint8Array;
  contentType: string;
  etag: string;
}

export type ConsoleAssetName = 'app.js' | 'app.css';

export interface ConsoleAssets {
  get(name: ConsoleAssetName): Promise<ConsoleAsset>;
}

/**
 * `console/` beside `src/` in the repository (sources: main.tsx…) and `dist/console/` beside
 * `dist/src/` after `npm run build` (app.js, app.css): the same relative path from this module.
 */
export const CONSOLE_DIR = new URL('../../console/', import.meta.url);

async function readPrebuilt(dir: URL): Promise<ConsoleBundle | undefined> {
  try {
    const [js, css] = await Promise.all([
      readFile(new URL('app.js', dir)),
      readFile(new URL('app.css', dir)),
    ]);
    return { js, css };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function asset(body: Uint8Array, contentType: string): ConsoleAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType, etag };
}

/**
 * The bundle, loaded once on first use: the prebuilt files when they exist, otherwise built from the
 * sources in memory (a development process; a few hundred milliseconds once). A failed build is
 * retried on the next request rather than cached.
 */
export function createConsoleAssets(dir: URL = CONSOLE_DIR): ConsoleAssets {
  let loading: Promise<Record<ConsoleAssetName, ConsoleAsset>> | undefined;
  const load = async () => {
    const bundle = (await readPrebuilt(dir)) ?? (await buildConsoleBundle(dir));
    return {
      'app.js': asset(bundle.js, 'text/javascript; charset=utf-8'),
      'app.css': asset(bundle.css, 'text/css; charset=utf-8'),
    };
  };
  return {
    async get(name) {
      loading ??= load().catch((err: unknown) => {
        loading = undefined;
        throw err;
      });
      return (await loading)[name];
    },
  };
}
