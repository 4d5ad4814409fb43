/**
 * Run by tests/02-bind.test.ts under strace: a listener on port 0, a second listener on its port
 * (refused), a UDP bind, then a client with a chosen local address. Prints one JSON line with the
 * port and the refusal, so the test can find each call in the trace.
 */
import { createSocket } from 'node:dgram';
import { type AddressInfo, connect, createServer } from 'node:net';

const server = createServer().listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  createServer()
    .once('error', (error: NodeJS.ErrnoException) => {
      const udp = createSocket('udp4');
      udp.bind(0, '127.0.0.1', () => {
        const client = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, () => {
          console.log(JSON.stringify({ port, code: error.code, syscall: error.syscall }));
          client.destroy();
          udp.close();
          server.close();
        });
      });
    })
    .listen(port, '127.0.0.1');
});
