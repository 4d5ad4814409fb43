/**
 * The kernel's model of how long retransmissions take (net/ipv4/tcp_timer.c): shared by the lab
 * of 05, where it bounds an unanswered SYN, and the lab of 16, where it bounds a dead peer.
 */

/**
 * tcp_model_timeout(): how long `retransmissions` take when the waits double from `rtoBaseMs` up
 * to the maximum RTO, then stay there. The kernel's number of doublings is ilog2(max / base).
 */
export function modelTimeoutMs(retransmissions: number, rtoBaseMs: number, rtoMaxMs: number): number {
  const doublings = Math.floor(Math.log2(rtoMaxMs / rtoBaseMs));
  if (retransmissions <= doublings) return (2 ** (retransmissions + 1) - 1) * rtoBaseMs;
  return (2 ** (doublings + 1) - 1) * rtoBaseMs + (retransmissions - doublings) * rtoMaxMs;
}
