/**
 * A helper of 08's child: it receives a listening socket over IPC and holds it, so that one more
 * PID has the port, until its parent goes away (the IPC channel disconnects).
 */
process.on('message', () => process.send?.('holding'));
process.on('disconnect', () => process.exit(0));
