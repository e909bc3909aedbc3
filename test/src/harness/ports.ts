import { createServer } from 'node:net';

/**
 * Asks the kernel for a free TCP port on loopback. The port is released before it is returned,
 * so another process can grab it first; callers that bind later must check they got it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() =>
        port > 0 ? resolve(port) : reject(new Error('could not read a free port')),
      );
    });
  });
}
