/**
 * Counting packets with tcpdump: capture on the loopback interface while some exchange runs, read
 * the pcap stream tcpdump writes to stdout, and sum each packet's header and payload bytes. A
 * marker datagram sent after the exchange tells us the capture has seen everything before it.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { within } from './wait.ts';

const HOST = '127.0.0.1';
const CAPTURE_TIMEOUT_MS = 5000;
const PCAP_GLOBAL_HEADER = 24;
const PCAP_RECORD_HEADER = 16;
const ETHERNET_HEADER = 14; // Linux shows lo as Ethernet with zero addresses
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

export interface Capture {
  /** One label per packet, in capture order: "SYN", "request", "ACK", "reply+FIN", ... */
  packets: string[];
  ipHeaderBytes: number;
  transportHeaderBytes: number;
  /** The distinct transport header sizes seen, smallest first (TCP: 20 plus options). */
  transportHeaderSizes: number[];
  payloadBytes: number;
}

interface Packet {
  protocol: number;
  sourcePort: number;
  destinationPort: number;
  ipHeader: number;
  transportHeader: number;
  payload: number;
  tcpFlags: number;
}

/** Decodes one captured IPv4 frame; anything else is undefined. */
function decodeFrame(frame: Buffer): Packet | undefined {
  if (frame.length < ETHERNET_HEADER + 20 || frame.readUInt16BE(12) !== 0x0800) return undefined;
  const ip = frame.subarray(ETHERNET_HEADER);
  const ipHeader = (ip[0] & 0x0f) * 4;
  const totalLength = ip.readUInt16BE(2);
  const protocol = ip[9];
  const transport = ip.subarray(ipHeader);
  const transportHeader = protocol === IPPROTO_TCP ? (transport[12] >> 4) * 4 : 8;
  return {
    protocol,
    sourcePort: transport.readUInt16BE(0),
    destinationPort: transport.readUInt16BE(2),
    ipHeader,
    transportHeader,
    payload: totalLength - ipHeader - transportHeader,
    tcpFlags: protocol === IPPROTO_TCP ? transport[13] : 0,
  };
}

function tcpLabel(packet: Packet, toServer: boolean): string {
  const [fin, syn, rst, ack] = [0x01, 0x02, 0x04, 0x10].map((bit) => (packet.tcpFlags & bit) !== 0);
  if (syn) return ack ? 'SYN-ACK' : 'SYN';
  const parts = [packet.payload > 0 ? (toServer ? 'request' : 'reply') : '', fin ? 'FIN' : '', rst ? 'RST' : ''].filter(Boolean);
  return parts.length > 0 ? parts.join('+') : ack ? 'ACK' : 'empty';
}

function summarize(packets: Packet[], label: (packet: Packet) => string): Capture {
  return {
    packets: packets.map(label),
    ipHeaderBytes: packets.reduce((sum, packet) => sum + packet.ipHeader, 0),
    transportHeaderBytes: packets.reduce((sum, packet) => sum + packet.transportHeader, 0),
    transportHeaderSizes: [...new Set(packets.map((packet) => packet.transportHeader))].sort((a, b) => a - b),
    payloadBytes: packets.reduce((sum, packet) => sum + packet.payload, 0),
  };
}

/**
 * Runs `exchange` while tcpdump captures the servers' ports on lo, and returns what crossed the
 * wire for each: packets in order, header bytes and payload bytes.
 */
export async function captureExchange(tcpdump: string, servers: { udp: number; tcp: number }, exchange: () => Promise<void>): Promise<{ udp: Capture; tcp: Capture }> {
  const marker = createSocket('udp4');
  marker.bind(0, HOST);
  await within(once(marker, 'listening'), CAPTURE_TIMEOUT_MS, 'the marker socket to bind');
  const markerPort = marker.address().port;
  const filter = `ip and ((udp port ${servers.udp}) or (tcp port ${servers.tcp}) or (udp dst port ${markerPort}))`;
  const capture = spawn(tcpdump, ['-i', 'lo', '-n', '-U', '--immediate-mode', '-s', '128', '-w', '-', filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(capture, 'exit');
  try {
    let diagnostics = '';
    const ready = new Promise<void>((resolve) =>
      capture.stderr.setEncoding('utf8').on('data', (text: string) => {
        diagnostics += text;
        if (diagnostics.includes('listening on')) resolve();
      }),
    );
    const died = exited.then(([code]) => Promise.reject(new Error(`tcpdump exited (${code}): ${diagnostics.trim()}`)));
    died.catch(() => {}); // once we stop it ourselves, its exit is no failure
    await within(Promise.race([ready, died]), CAPTURE_TIMEOUT_MS, 'tcpdump to start listening');

    const packets: Packet[] = [];
    let pending = Buffer.alloc(0);
    let offset = PCAP_GLOBAL_HEADER;
    let sawMarker: () => void = () => {};
    const markerSeen = new Promise<void>((resolve) => (sawMarker = resolve));
    capture.stdout.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= offset + PCAP_RECORD_HEADER) {
        // tcpdump writes in this machine's byte order; the magic number at the start says which.
        const capturedLength = pending.readUInt32LE(0) === 0xa1b2c3d4 ? pending.readUInt32LE(offset + 8) : pending.readUInt32BE(offset + 8);
        if (pending.length < offset + PCAP_RECORD_HEADER + capturedLength) break;
        const packet = decodeFrame(pending.subarray(offset + PCAP_RECORD_HEADER, offset + PCAP_RECORD_HEADER + capturedLength));
        offset += PCAP_RECORD_HEADER + capturedLength;
        if (packet?.destinationPort === markerPort && packet.protocol === IPPROTO_UDP) sawMarker();
        else if (packet) packets.push(packet);
      }
    });

    await exchange();
    marker.send('end of capture', markerPort, HOST);
    await within(Promise.race([markerSeen, died]), CAPTURE_TIMEOUT_MS, 'the capture to see the end marker');

    const udp = packets.filter((packet) => packet.protocol === IPPROTO_UDP);
    const tcp = packets.filter((packet) => packet.protocol === IPPROTO_TCP);
    return {
      udp: summarize(udp, (packet) => (packet.destinationPort === servers.udp ? 'request' : 'reply')),
      tcp: summarize(tcp, (packet) => tcpLabel(packet, packet.destinationPort === servers.tcp)),
    };
  } finally {
    if (capture.exitCode === null && capture.signalCode === null) capture.kill('SIGTERM');
    await within(exited, CAPTURE_TIMEOUT_MS, 'tcpdump to exit');
    marker.close();
  }
}
