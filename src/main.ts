/** `npm start`: read the configuration, start the gateway, stop cleanly on SIGINT/SIGTERM. */
import { mkdirSync } from 'node:fs';
import { ConfigError, loadConfig } from './env.js';
import { createGateway, gatewayLinks } from './server.js';

async function main() {
  const config = loadConfig();
  if (!config.DATABASE_URL && !config.DATA_DIR.startsWith('memory://')) {
    mkdirSync(config.DATA_DIR, { recursive: true });
  }
  const gateway = await createGateway({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const { url } = await gateway.listen(config.PORT, config.HOST);
  const store = config.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${config.DATA_DIR}`;
  console.log(`Jobs gateway on ${url} (${store}): ${describeLinks(url)}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    await gateway.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** "GraphQL and GraphiQL http://…/graphql, REST http://…/apis/jobs/v2, …": one entry per URL. */
function describeLinks(url: string): string {
  const titles = new Map<string, string[]>();
  for (const { path, title } of gatewayLinks) titles.set(path, [...(titles.get(path) ?? []), title]);
  return [...titles].map(([path, names]) => `${names.join(' and ')} ${url}${path}`).join(', ');
}

main().catch((error: unknown) => {
  // Configuration and start-up problems are one line, never a stack trace.
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    const where = process.env.DATABASE_URL ? ' (check DATABASE_URL)' : '';
    console.error(`Failed to start${where}: ${message}`);
  }
  process.exit(1);
});
