/**
 * Loaded with `--import` into an API child process (test/helpers/api-process.ts) that runs the Neon
 * serverless driver: points the driver at the parent's local WebSocket relay (AE_NEON_RELAY_PORT,
 * test/helpers/neon-relay.ts), as test/helpers/db.ts does in the test process. Production code has
 * no such switch: a real Neon endpoint needs none.
 */
import { neonConfig } from '@neondatabase/serverless';
import { WebSocket } from 'ws';

const port = process.env.AE_NEON_RELAY_PORT;
if (port) {
  neonConfig.webSocketConstructor = WebSocket;
  neonConfig.wsProxy = (host, targetPort) => `127.0.0.1:${port}/v1?address=${host}:${targetPort}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}
