/**
 * Capturing an exchange with tcpdump: capture on the loopback interface while some exchange runs,
 * read the pcap stream tcpdump writes to stdout, and decode each packet's IPv4 and TCP/UDP headers.
 *
 * Two marker datagrams bracket the exchange, so the capture provably holds all of it:
 *
 * - START, before the exchange. tcpdump's "listening on lo" line is no proof that the capture is
 *   live. libpcap binds its packet socket to lo and sets up the ring buffer with no filter, and
 *   attaches the BPF filter only some milliseconds later (tcpdump compiles the filter and looks up
 *   the user it drops privileges to in between; strace shows the gap). Every packet on lo in that
 *   gap lands in the ring; with other traffic on lo the ring fills up (32 frames at tcpdump's
 *   default snapshot length on lo; more with our small one, but still a finite number). Then the
 *   kernel drops every new packet, ours included ("N packets dropped by kernel" when tcpdump
 *   exits), until tcpdump's read loop, which starts only after it prints "listening on", has
 *   handed the stale frames back. So we send START after "listening on" (after the filter is
 *   attached), again every few milliseconds, until the capture shows one: the ring had room for
 *   it, and tcpdump reads the ring in order, so every stale frame is gone and what follows is captured.
 * - END, after the exchange: once the capture shows it, it has shown every packet sent before it.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { within } from './wait.ts';

const HOST = '127.0.0.1';
const CAPTURE_TIMEOUT_MS = 5000;
/** There is no event for "the capture is live": a marker the ring had no room for is sent again after this. */
const MARKER_RESEND_MS = 10;
const START_MARKER = 'capture start';
const END_MARKER = 'capture end';
const PCAP_GLOBAL_HEADER = 24;
const PCAP_RECORD_HEADER = 16;
const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
const ETHERNET_HEADER = 14; // Linux shows lo as Ethernet with zero addresses
const SNAPSHOT_BYTES = 128; // every header, and the markers' text
/** tcpdump's capture buffer (-B, KiB): room for a burst of other traffic that the filter also takes. */
const CAPTURE_BUFFER_KIB = 64 * 1024;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

/** One IPv4 packet of the exchange, decoded from the capture. */
export interface CapturedPacket {
  /** Milliseconds since the exchange's first captured packet. */
  atMs: number;
  protocol: number;
  sourcePort: number;
  destinationPort: number;
  ipHeader: number;
  transportHeader: number;
  /** Payload bytes on the wire (the capture keeps only the first few). */
  payload: number;
  /** The TCP header's flag byte; 0 for UDP. */
  tcpFlags: number;
}

/** tcpdump could not capture at all (no permission, no such interface); the exchange has not run. */
export class CaptureUnavailable extends Error {}

/** Decodes one captured IPv4 frame; anything else is undefined. `text` is the captured part of the payload. */
function decodeFrame(frame: Buffer, atMs: number): { packet: CapturedPacket; text: string } | undefined {
  if (frame.length < ETHERNET_HEADER + 20 || frame.readUInt16BE(12) !== 0x0800) return undefined;
  const ip = frame.subarray(ETHERNET_HEADER);
  const ipHeader = (ip[0] & 0x0f) * 4;
  const totalLength = ip.readUInt16BE(2);
  const protocol = ip[9];
  const transport = ip.subarray(ipHeader);
  const transportHeader = protocol === IPPROTO_TCP ? (transport[12] >> 4) * 4 : 8;
  const packet = {
    atMs,
    protocol,
    sourcePort: transport.readUInt16BE(0),
    destinationPort: transport.readUInt16BE(2),
    ipHeader,
    transportHeader,
    payload: totalLength - ipHeader - transportHeader,
    tcpFlags: protocol === IPPROTO_TCP ? transport[13] : 0,
  };
  return { packet, text: transport.subarray(transportHeader).toString('latin1') };
}

/** tcpdump's letters for TCP flags, in its order: "S", "S.", "P.", "F.", ...; "none" when no flag is set. */
export function tcpFlagLetters(flags: number): string {
  const letters: [number, string][] = [
    [0x01, 'F'],
    [0x02, 'S'],
    [0x04, 'R'],
    [0x08, 'P'],
    [0x10, '.'],
    [0x20, 'U'],
    [0x40, 'E'],
    [0x80, 'W'],
  ];
  return letters.map(([bit, letter]) => (flags & bit ? letter : '')).join('') || 'none';
}

/**
 * Runs `exchange` while tcpdump captures `filter` (a pcap-filter expression) on lo, and resolves
 * with the exchange's result and every IPv4 packet matching the filter that crossed lo between
 * the START and END markers, in capture order. Throws CaptureUnavailable when tcpdump cannot
 * capture, before the exchange has run.
 */
export async function capturePackets<T>(
  tcpdump: string,
  filter: string,
  exchange: () => Promise<T>,
): Promise<{ result: T; packets: CapturedPacket[] }> {
  const marker = createSocket('udp4');
  marker.bind(0, HOST);
  try {
    await within(once(marker, 'listening'), CAPTURE_TIMEOUT_MS, 'the marker socket to bind');
  } catch (error) {
    marker.close();
    throw error;
  }
  const markerPort = marker.address().port;
  const wholeFilter = `ip and ((${filter}) or (udp dst port ${markerPort}))`;
  // -U: each packet written out as soon as it is captured; --immediate-mode: libpcap hands it over at once.
  // -B: a capture buffer of CAPTURE_BUFFER_KIB. With libpcap's default, packets of the lesson's
  // connection went missing (a FIN and its ACK) while the suite's bulk transfers crossed lo under a
  // filter as wide as "tcp": dropped, most likely, by a buffer that tcpdump could not drain fast enough.
  const capture = spawn(
    tcpdump,
    [
      ...['-i', 'lo', '-n', '-U', '--immediate-mode', '-B', String(CAPTURE_BUFFER_KIB)],
      ...['-s', String(SNAPSHOT_BYTES), '-w', '-', wholeFilter],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = once(capture, 'exit');
  try {
    let diagnostics = '';
    let live = false;
    const listening = new Promise<void>((resolve) =>
      capture.stderr.setEncoding('utf8').on('data', (text: string) => {
        diagnostics += text;
        if (diagnostics.includes('listening on')) resolve();
      }),
    );
    const died = exited.then(([code]) => {
      const message = `tcpdump exited (${code}): ${diagnostics.trim().split('\n').join('; ')}`;
      throw live ? new Error(message) : new CaptureUnavailable(message);
    });
    died.catch(() => {}); // once we stop it ourselves, its exit is no failure

    const packets: CapturedPacket[] = [];
    let recording = false;
    let firstAt: number | undefined;
    let sawStart: () => void = () => {};
    let sawEnd: () => void = () => {};
    const startSeen = new Promise<void>((resolve) => (sawStart = resolve));
    const endSeen = new Promise<void>((resolve) => (sawEnd = resolve));
    let pending = Buffer.alloc(0);
    let offset = PCAP_GLOBAL_HEADER;
    capture.stdout.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // tcpdump writes in this machine's byte order; the magic number at the start says which.
      const readUInt32 = (at: number) =>
        pending.readUInt32LE(0) === PCAP_MAGIC_MICROSECONDS ? pending.readUInt32LE(at) : pending.readUInt32BE(at);
      while (pending.length >= offset + PCAP_RECORD_HEADER) {
        const capturedLength = readUInt32(offset + 8);
        if (pending.length < offset + PCAP_RECORD_HEADER + capturedLength) break;
        const atMs = readUInt32(offset) * 1000 + readUInt32(offset + 4) / 1000;
        const decoded = decodeFrame(
          pending.subarray(offset + PCAP_RECORD_HEADER, offset + PCAP_RECORD_HEADER + capturedLength),
          atMs,
        );
        offset += PCAP_RECORD_HEADER + capturedLength;
        if (!decoded) continue;
        const { packet, text } = decoded;
        if (packet.protocol === IPPROTO_UDP && packet.destinationPort === markerPort) {
          // A START sent again may show up after the first; only the first one starts the recording.
          if (text === START_MARKER && !recording) {
            recording = true;
            sawStart();
          } else if (text === END_MARKER) {
            recording = false;
            sawEnd();
          }
        } else if (recording) {
          firstAt ??= packet.atMs;
          packets.push({ ...packet, atMs: packet.atMs - firstAt });
        }
      }
    });

    /** Sends `text` to the marker port until the capture shows it (or tcpdump dies, or time runs out). */
    const markUntilSeen = async (text: string, seen: Promise<void>, what: string) => {
      const send = () => marker.send(text, markerPort, HOST);
      send();
      const resend = setInterval(send, MARKER_RESEND_MS);
      try {
        await within(Promise.race([seen, died]), CAPTURE_TIMEOUT_MS, what);
      } finally {
        clearInterval(resend);
      }
    };

    // "listening on" comes after the filter is attached: a START sent before it could be a stale frame.
    await within(Promise.race([listening, died]), CAPTURE_TIMEOUT_MS, 'tcpdump to start listening');
    await markUntilSeen(START_MARKER, startSeen, 'the capture to see the start marker');
    live = true;
    const result = await exchange();
    await markUntilSeen(END_MARKER, endSeen, 'the capture to see the end marker');
    return { result, packets };
  } finally {
    marker.close();
    if (capture.exitCode === null && capture.signalCode === null) capture.kill('SIGTERM');
    await within(exited, CAPTURE_TIMEOUT_MS, 'tcpdump to exit');
  }
}

// ---------------------------------------------------------------------------------------------
// Counting: what one exchange costs in packets and header bytes, per protocol
// ---------------------------------------------------------------------------------------------

/** One packet of an exchange: its label ("SYN", "request", "reply+FIN", ...), its direction and its sizes. */
export interface WirePacket {
  label: string;
  toServer: boolean;
  ipHeader: number;
  transportHeader: number;
  payload: number;
}

export interface Capture {
  /** Every packet, in capture order. */
  wire: WirePacket[];
  /** The packets' labels, in capture order. */
  packets: string[];
  ipHeaderBytes: number;
  transportHeaderBytes: number;
  /** The distinct transport header sizes seen, smallest first (TCP: 20 plus options). */
  transportHeaderSizes: number[];
  payloadBytes: number;
}

function tcpLabel(packet: CapturedPacket, toServer: boolean): string {
  const [fin, syn, rst, ack] = [0x01, 0x02, 0x04, 0x10].map((bit) => (packet.tcpFlags & bit) !== 0);
  if (syn) return ack ? 'SYN-ACK' : 'SYN';
  const parts = [packet.payload > 0 ? (toServer ? 'request' : 'reply') : '', fin ? 'FIN' : '', rst ? 'RST' : ''].filter(
    Boolean,
  );
  return parts.length > 0 ? parts.join('+') : ack ? 'ACK' : 'empty';
}

/** An exchange's packets with their totals: what a capture saw, or what the protocols describe. */
export function summarizeWire(wire: WirePacket[]): Capture {
  const total = (bytes: (packet: WirePacket) => number) => wire.reduce((sum, packet) => sum + bytes(packet), 0);
  return {
    wire,
    packets: wire.map((packet) => packet.label),
    ipHeaderBytes: total((packet) => packet.ipHeader),
    transportHeaderBytes: total((packet) => packet.transportHeader),
    transportHeaderSizes: [...new Set(wire.map((packet) => packet.transportHeader))].sort((a, b) => a - b),
    payloadBytes: total((packet) => packet.payload),
  };
}

function onWire(packet: CapturedPacket, toServer: boolean, label: string): WirePacket {
  const { ipHeader, transportHeader, payload } = packet;
  return { label, toServer, ipHeader, transportHeader, payload };
}

/**
 * Runs `exchange` while tcpdump captures the servers' ports on lo, and returns what crossed the
 * wire for each: packets in order, header bytes and payload bytes.
 */
export async function captureExchange(
  tcpdump: string,
  servers: { udp: number; tcp: number },
  exchange: () => Promise<void>,
): Promise<{ udp: Capture; tcp: Capture }> {
  const { packets } = await capturePackets(tcpdump, `(udp port ${servers.udp}) or (tcp port ${servers.tcp})`, exchange);
  const udp = packets.filter((packet) => packet.protocol === IPPROTO_UDP);
  const tcp = packets.filter((packet) => packet.protocol === IPPROTO_TCP);
  const udpWire = udp.map((packet) => {
    const toServer = packet.destinationPort === servers.udp;
    return onWire(packet, toServer, toServer ? 'request' : 'reply');
  });
  const tcpWire = tcp.map((packet) => {
    const toServer = packet.destinationPort === servers.tcp;
    return onWire(packet, toServer, tcpLabel(packet, toServer));
  });
  return { udp: summarizeWire(udpWire), tcp: summarizeWire(tcpWire) };
}
