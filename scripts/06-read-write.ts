/**
 * @title read() and write(): a byte stream, not messages
 * @concept TCP delivers an ordered stream of bytes with no message boundaries: writes and reads
 *   do not line up, so a protocol must frame its own messages; end() half-closes, and a reset
 *   reaches the peer as ECONNRESET or EPIPE.
 * @notes #25-read-and-write-a-byte-stream-not-messages-06-read-write
 * @run npx tsx scripts/06-read-write.ts
 * @resource https://nodejs.org/api/net.html#socketwritedata-encoding-callback
 * @resource https://nodejs.org/api/net.html#socketresetanddestroy
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @knobs MESSAGES (small writes that arrive as one chunk; default 5), LARGE_BYTES (one write that
 *   arrives as many chunks; default 1048576), SEED and RANDOM_MESSAGES (the framer's property
 *   test: PRNG seed, default a fresh one, printed; messages, default 500)
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';

export async function main(
  messages = Number(process.env.MESSAGES ?? 5),
  largeBytes = Number(process.env.LARGE_BYTES ?? 1048576),
): Promise<void> {
  // listen() is socket() + bind() + listen(). pauseOnConnect: an accepted socket makes no read()
  // until resume(); allowHalfOpen: it may still write after its peer's FIN.
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  // connect() makes the client's socket; 'connection' is one accept4(): the server's end of it.
  const client = connect(port, '127.0.0.1').setNoDelay(true);
  const [[accepted]] = await Promise.all([once(server, 'connection'), once(client, 'connect')]);
  // A message goes out as its length in 4 bytes, then its bytes: the stream keeps no boundaries.
  const frame = (text: string) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(Buffer.byteLength(text));
    return Buffer.concat([length, Buffer.from(text)]);
  };

  // 1. write() once per message, none held back to join the next (setNoDelay: no Nagle), while
  // the server does not read: its kernel queues the bytes one after another.
  const texts = Array.from({ length: messages }, (_, i) => `message ${i + 1} of ${messages}`);
  for (const text of texts) await new Promise((done) => client.write(frame(text), done));
  const written = 4 * messages + Buffer.byteLength(texts.join(''));
  console.log(`client: ${messages} write() calls, ${written} bytes; the server is not reading`);
  // resume(): libuv read()s again, at most 64 KiB at a time; each read() is one 'data' event.
  const reads: Buffer[] = [];
  accepted.on('data', (chunk: Buffer) => reads.push(chunk)).resume();
  while (accepted.bytesRead < written) await once(accepted, 'data');
  const bodies: string[] = [];
  for (let rest = Buffer.concat(reads); rest.length; rest = rest.subarray(4 + rest.readUInt32BE()))
    bodies.push(rest.toString('utf8', 4, 4 + rest.readUInt32BE()));
  console.log(`server: ${reads.splice(0).length} read(s); by length, ${bodies.length} messages`);

  // 2. One write() of a large message: the kernel sends it in segments, read() takes what is there.
  client.write(frame('x'.repeat(largeBytes)));
  while (accepted.bytesRead < written + 4 + largeBytes) await once(accepted, 'data');
  console.log(`server: ${reads.splice(0).length} reads for 1 write() of ${4 + largeBytes} bytes`);

  // 3. end() writes its last bytes, then calls shutdown(SHUT_WR): a FIN. The client still reads.
  client.end('question, then FIN');
  // The server's read() returns 0, 'end'; allowHalfOpen leaves its own side open to answer.
  await once(accepted, 'end');
  console.log(`server: 'end' after "${Buffer.concat(reads)}"; answering anyway`);
  accepted.write('an answer after your FIN');
  const [answer] = await once(client.setEncoding('utf8'), 'data');
  console.log(`client: heard "${answer}" after its own FIN`);

  // 4. resetAndDestroy() sets SO_LINGER to 0 and closes: the kernel sends RST instead of FIN.
  accepted.resetAndDestroy();
  const [error] = await once(client, 'error');
  console.log(`client: read() failed with ${error.code}; the connection is gone`);
  await new Promise((closed) => server.close(closed));
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/06-read-write.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/06-read-write.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
